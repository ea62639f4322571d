"""Settings from the environment: where the data directory and the database live."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = PROJECT_ROOT / "var"


@dataclass(frozen=True)
class Settings:
    """Where Crewcast keeps its files.

    ``CREWCAST_DATA_DIR`` (default ``./var`` in the project) holds the SQLite database and the
    generated sample files; ``CREWCAST_DATABASE_URL`` points elsewhere, e.g.
    ``postgresql+psycopg://user@host/crewcast``.
    """

    data_dir: Path
    database_url: str

    @property
    def sample_dir(self) -> Path:
        return self.data_dir / "sample"


def get_settings() -> Settings:
    """Read the settings from the environment (called at use, so tests can point elsewhere)."""
    data_dir = Path(os.environ.get("CREWCAST_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
    url = os.environ.get("CREWCAST_DATABASE_URL") or f"sqlite:///{data_dir / 'crewcast.db'}"
    return Settings(data_dir=data_dir, database_url=url)


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing, the folder itself readable by its owner only.

    Crewcast's data directory holds sick absences and flag scores: when Crewcast creates it, it
    is mode 0700, so no other local user can list or open what is inside, whatever the files'
    own modes. A folder that exists already keeps its mode (its owner chose it); a warning says
    when other users can enter it.
    """
    path = Path(path)
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask
    elif path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("%s is open to other local users; `chmod 700 %s` closes it", path, path)
    return path


def make_owner_only(path: Path) -> None:
    """Make an existing file readable and writable by its owner only (mode 0600), if we own it."""
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except FileNotFoundError:
        pass
    except PermissionError:
        logger.warning("cannot make %s owner-only (mode 0600): not its owner", path)
