"""The action server in one process when it has one worker: `python -m cli.action_server` takes the arguments of
`python -m rasa_sdk` (cli/rasa_servers.py starts it this way).

rasa_sdk serves through Sanic's worker manager whatever the number of workers: with one worker that is four
processes (the manager, which imports the actions and never runs one, Sanic's shared-state process,
multiprocessing's resource tracker, and the worker), about 130 MB RSS beside the worker's own (eval/load/memory.py;
docs/evaluation.md, "Memory"). With one worker this serves the same app, built by rasa_sdk's own factory
(listeners, tracing and plugins included), in this process alone. With several workers, gRPC or TLS it hands over
to rasa_sdk unchanged.
"""
from __future__ import annotations

import logging
import os
import sys


def main(argv: list[str] | None = None) -> None:
    from rasa_sdk import utils
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    args = create_argument_parser().parse_args(argv)
    if utils.number_of_sanic_workers() != 1 or args.grpc or args.ssl_certificate or args.auto_reload:
        main_from_args(args)
        return
    serve_single(args)


def serve_single(args) -> None:
    """rasa_sdk's `main_from_args` and `endpoint.run`, with Sanic in single-process mode."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_app_for_serve
    from rasa_sdk.executor import ActionExecutor
    from sanic import Sanic

    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    executor = ActionExecutor()
    executor.register_package(args.actions_module or args.actions)
    app = create_app_for_serve(executor, cors_origins=args.cors, endpoints=args.endpoints)
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    logging.getLogger(__name__).info("Action endpoint is up and running on http://%s:%s (one process)", host, args.port)
    app.prepare(host=host, port=args.port, single_process=True)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main(sys.argv[1:])
