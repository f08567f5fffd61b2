"""Starts moto's server (the app `moto_server` runs) on 127.0.0.1 with the
patches of patches.py applied, for `npm run deploy:local` and the deploy test.

  python3 local/moto/launcher.py [--port N]   serve; N = 0 (default) picks a free port
  python3 local/moto/launcher.py --check      print the moto version, or why it cannot run

When listening it prints one JSON line on stdout: {"endpoint": "http://127.0.0.1:PORT", ...}.
It stops on SIGINT or SIGTERM, and when its stdin closes, so an emulator is
never left running after the process that started it is gone. All state is in
memory: nothing is written to disk.
"""

import argparse
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REQUIRED_MAJOR = 5
INSTALL_HINT = "pip install 'moto[server]==5.2.1'"


def moto_version() -> str:
    try:
        import moto
    except ImportError:
        raise SystemExit(f"moto is not installed for {sys.executable}. Install it with: {INSTALL_HINT}")
    try:
        import flask  # noqa: F401  (only installed with the server extras)
        import werkzeug  # noqa: F401
    except ImportError:
        raise SystemExit(f"moto {moto.__version__} is installed without its server extras. Install them with: {INSTALL_HINT}")
    major = int(moto.__version__.split(".")[0])
    if major != REQUIRED_MAJOR:
        raise SystemExit(
            f"moto {moto.__version__} is installed; the deploy needs moto {REQUIRED_MAJOR}.x "
            f"(its patches are written for 5.2.1). Install it with: {INSTALL_HINT}"
        )
    return moto.__version__


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()

    version = moto_version()
    if args.check:
        print(json.dumps({"moto": version}))
        return

    import patches
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    patches.apply_all()
    server = make_server("127.0.0.1", args.port, DomainDispatcherApplication(create_backend_app), threaded=True)
    port = server.server_address[1]
    os.environ["MOTO_PORT"] = str(port)

    stopping = threading.Event()

    def stop(*_: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def watch_stdin() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{port}", "moto": version, "pid": os.getpid()}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
