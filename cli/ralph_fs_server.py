"""Ralph's LRS (ralph-malph 5.1.0) with its filesystem backend, as `tutor services start`, the tests and the LRS
drill run it. This file runs under .venv-ralph's Python (Ralph pins its own fastapi and uvicorn), never in the
tutor's environment; it imports nothing of the tutor. Settings come from the environment (RALPH_*), as Ralph
reads them.

It does what `ralph runserver -b fs` does, less two things that get in the way here, both measured with 5.1.0:

* runserver always starts uvicorn with reload=True: a second process that watches the working directory and
  restarts the server when a file changes there;
* the filesystem backend writes with the 'create' operation, which refuses a file that already exists: the
  first POST of statements is stored, and every later POST of new statements answers HTTP 500 "Statements bulk
  indexation failed". An LRS in a file has to append, so appending is set here before the app is loaded.
"""
import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()

    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND

    import uvicorn

    uvicorn.run("ralph.api:app", host=args.host, port=args.port, log_level="warning", access_log=False, workers=1)


if __name__ == "__main__":
    main()
