"""`python -m tutor …` runs the same command line as `tutor …`."""
from .cli import app

app()
