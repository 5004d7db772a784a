"""Run the stack of template.yaml on one machine, without AWS and without Docker."""
