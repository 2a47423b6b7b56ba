"""The general language identifier: py3langid, whose model ships inside the package.

The only module that imports py3langid (pinned: it reaches one attribute of the
identifier below). The model (a naive Bayes classifier over byte n-grams, 4.5 MB
compressed, about 55 MB in memory once limited to the candidates) is loaded on the
first call, once per process, under a lock: importing this module builds nothing and
touches no file, so ``kho --help`` and the web pages never pay for it; a worker pays
one to two seconds once. Nothing is downloaded at any time.

The identifier is limited to the languages it is asked about (``candidates``): its
probabilities are then shared among those only, which keeps a Vietnamese title from
being split among 140 languages it never meets here.
"""
from __future__ import annotations

import threading
from typing import Any, Sequence

_lock = threading.Lock()
_loaded: dict[tuple[str, ...], Any] = {}


def _identifier(candidates: tuple[str, ...]) -> Any:
    """The identifier restricted to ``candidates`` (all languages for none), read from
    the package once per process and candidate set. ValueError for a code the model
    does not know."""
    found = _loaded.get(candidates)
    if found is not None:
        return found
    with _lock:
        found = _loaded.get(candidates)
        if found is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            found = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            if candidates:
                found.set_languages(list(candidates))
                # set_languages keeps the whole table to go back to all languages;
                # this one never does, so the 140-language table (28 MB) is let go
                found._full_model = (found.nb_ptc, found.nb_pc, found.nb_classes)
            _loaded[candidates] = found
    return found


def rank(text: str, candidates: Sequence[str] = ()) -> list[tuple[str, float]]:
    """The candidate languages (ISO 639-1 codes as py3langid writes them: ``vi``,
    ``en``…) best first, each with its probability (0..1, summing to 1 over the
    candidates); all the model's 140 languages when ``candidates`` is empty.

    The first call in a process loads the model (about 2 s). Raises ValueError naming
    a candidate the model does not know."""
    return _identifier(tuple(candidates)).rank(text)


def version() -> str:
    """py3langid's version, for the record of what suggested a language."""
    from importlib.metadata import version as installed

    return installed("py3langid")
