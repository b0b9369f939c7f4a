import subprocess
import sys

from reconciler import __version__
from reconciler.cli import main


def test_version_is_printed(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "reconciler", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "peering connections" in out.stdout
