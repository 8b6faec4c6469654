"""``python -m melian``: the command line (:mod:`melian.cli`)."""

from melian.cli import app

if __name__ == "__main__":
    app(prog_name="melian")
