"""`python -m ent_admin`: the school and ops command line (import a list, print letters, reset, follow, delete).

It talks to the deployed API with SigV4 (the user's AWS credentials) or to the local server, and prints the access
letters itself from the API's answers, with the service's own letter layout (ent_accounts.letters).
"""

import sys
from pathlib import Path

_LAYER = Path(__file__).resolve().parent.parent / "layers" / "common"
if _LAYER.is_dir() and str(_LAYER) not in sys.path:
    # In the checkout: ent_accounts, as the functions see it in /opt/python (installed, `pip install .` ships it).
    sys.path.insert(0, str(_LAYER))
