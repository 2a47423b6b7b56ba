"""Fail when any modules of Kho's application packages import each other in a circle.

import-linter's contracts keep the layers pointing one way; this check closes the gap
they leave: a circle between two modules of the same layer (``a -> b -> a``), or one
through a function-level import. It builds the import graph with grimp (the library
import-linter runs on), finds its strongly connected components (Tarjan's algorithm)
and prints each circle with the import lines that make it.

Usage: ``python tools/import_cycles.py`` (run by ``make lint`` and ``make test``).
Exit status 0 when there is no circle, 1 when there is one.
"""
from __future__ import annotations

import sys
from typing import Iterable

PACKAGES = ("app", "archive", "ingest", "search_index", "config")


def import_graph(packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    """Module -> the application modules it imports (at top level or in a function)."""
    import grimp

    graph = grimp.build_graph(*packages, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module))
            for module in graph.modules}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module, each sorted.

    Iterative Tarjan, so a deep graph cannot hit Python's recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def main() -> int:
    graph = import_graph()
    found = circles(graph)
    if not found:
        print(f"import circles: none among {len(graph)} modules")
        return 0
    for component in found:
        members = set(component)
        print("import circle: " + ", ".join(component))
        for module in component:
            for target in sorted(graph[module] & members):
                print(f"    {module} -> {target}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
