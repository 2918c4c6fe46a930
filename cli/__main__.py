"""`python -m cli …` runs the same command line as `tutor …`."""
from .main import app

app()
