import sys

from patchsmith.cli.main import main

sys.exit(main())
