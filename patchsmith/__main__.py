import sys

from patchsmith.agent.cli import main

sys.exit(main())
