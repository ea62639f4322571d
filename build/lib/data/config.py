"""Settings from the environment: where the data directory and the database live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
