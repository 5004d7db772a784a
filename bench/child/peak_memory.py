"""`python -m bench.child.peak_memory SPEC_JSON`: the peak memory of a fresh interpreter that imports a handler and
invokes it. SPEC_JSON: {"paths", "module", "attribute", "invocations", "event", "name"}; or {"module": "boto3"}
alone, for the interpreter with boto3 and nothing else. Prints JSON: base_kb, imported_kb, warm_kb, statuses."""

import json
import resource
import sys


def peak_kb() -> int:
    # VmHWM: ru_maxrss survives execve on Linux, so a child started from a big parent would report the parent's.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    spec = json.loads(sys.argv[1])
    sys.path[:0] = spec.get("paths", [])
    if "attribute" in spec:
        from local.events import LambdaContext  # before the base: the handler's figures are its own
    base = peak_kb()
    module = __import__(spec["module"])
    imported = peak_kb()
    statuses = []
    if "attribute" in spec:
        handler = getattr(module, spec["attribute"])
        for _ in range(spec["invocations"]):
            answer = handler(spec["event"], LambdaContext(spec["name"]))
            statuses.append(answer.get("statusCode") if isinstance(answer, dict) else None)
    print(json.dumps({"base_kb": base, "imported_kb": imported, "warm_kb": peak_kb(), "statuses": statuses}))


main()
