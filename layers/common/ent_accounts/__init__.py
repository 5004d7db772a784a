"""ENT accounts: the shared package of every function (on sys.path as /opt/python in Lambda)."""
