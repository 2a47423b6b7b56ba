"""``python -m app`` is the ``kho`` command (used by ``kho serve`` to start a worker)."""
from app.cli import main

main()
