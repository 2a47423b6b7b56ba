"""``python -m app`` is the ``kho`` command (used by ``kho serve`` to start a worker)."""
from app.cli import main

if __name__ == "__main__":  # not when a spawned helper process imports this module
    main()
