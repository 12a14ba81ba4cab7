"""`python -m devservers`: start a throwaway server that outlives this command.

    python -m devservers postgres|redis DIR [PORT]   start, print the URL
    python -m devservers stop|restart DIR            for servers started that way

scripts/stack.sh (`make stack`) and bench/large.py start their servers this way.
"""

import sys
from pathlib import Path

from devservers import restart_saved, save, start_postgres, start_redis, stop_saved

kind, where = sys.argv[1], Path(sys.argv[2])
if kind == "stop":
    stop_saved(where)
elif kind == "restart":
    restart_saved(where)
else:
    port = int(sys.argv[3]) if len(sys.argv) > 3 else None
    server = (start_postgres if kind == "postgres" else start_redis)(where, port)
    save(server, kind)
    print(server.url, flush=True)
