import sys

from ent_admin.cli import main

sys.exit(main())
