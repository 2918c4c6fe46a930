"""Ralph's LRS (ralph-malph 5.1.0) in its container (deploy/Dockerfile, target `lrs`), over the backend that
RALPH_RUNSERVER_BACKEND names (`mongo` in compose.yml and k8s/lrs.yaml) with that backend's RALPH_BACKENDS__LRS__*
settings, as Ralph reads them.

It writes the tutor's user to Ralph's authentication file (RALPH_AUTH_FILE; bcrypt-hashed, through Ralph's own
`ralph auth`, in this process so the password is never on a command line), then serves Ralph's API under uvicorn
with WEB_CONCURRENCY processes. `ralph runserver` is not used: Ralph calls it a development server (it reloads on
file changes).

    LRS_USERNAME      the tutor's user (default tutor; lrs.username in the tutor's settings)
    LRS_PASSWORD      its password (the tutor's TUTOR_LRS_PASSWORD; from the deployment's secret)
    LRS_HOME_PAGE     the home page of the user's account, recorded as each stored statement's authority
"""
import argparse
import os
from pathlib import Path


def write_user(username: str, password: str, home_page: str) -> None:
    """Replace the authentication file with the one user, every scope."""
    from ralph.cli import cli
    from ralph.conf import settings

    Path(settings.AUTH_FILE).unlink(missing_ok=True)
    cli.main(["auth", "-u", username, "-p", password, "-s", "all", "-A", username, home_page, "-w"], standalone_mode=False)
    Path(settings.AUTH_FILE).chmod(0o600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 (inside its container)
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    password = os.environ.get("LRS_PASSWORD", "")
    if not password:
        raise SystemExit("LRS_PASSWORD is not set: the tutor's LRS user needs a password")
    write_user(os.environ.get("LRS_USERNAME", "tutor"), password,
               os.environ.get("LRS_HOME_PAGE", f"http://lrs:{args.port}"))

    import uvicorn

    uvicorn.run("ralph.api:app", host=args.host, port=args.port, workers=int(os.environ.get("WEB_CONCURRENCY", "1")),
                proxy_headers=True, access_log=False)


if __name__ == "__main__":
    main()
