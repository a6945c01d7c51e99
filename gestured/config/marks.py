"""Where each value of a YAML document sits: dotted paths -> 1-based line numbers.

The schema reports problems by path (`bindings.ok.key`); the node tree composed by
PyYAML keeps the line of every key and item. A mapping entry is located at its key
(the line a user reads as `ok:`), a sequence item at the item itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path = tuple[str | int, ...]


@dataclass
class LineIndex:
    """Lines of every path in one document, and the duplicate keys found on the way."""

    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[tuple[Path, int, int]] = field(default_factory=list)  # path, line, first line

    def line_of(self, path: Path) -> int:
        """Line of `path`, else of its nearest located ancestor, else 1."""
        for length in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:length]))
            if line is not None:
                return line
        return 1


def index_lines(node: yaml.Node | None) -> LineIndex:
    """Walk a composed node tree (yaml.compose / Loader.get_single_node) into a LineIndex."""
    index = LineIndex()
    if node is not None:
        _visit(node, (), index, set())
    return index


def _visit(node: yaml.Node, path: Path, index: LineIndex, seen: set[int]) -> None:
    if id(node) in seen:  # an alias points back at a node already walked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            line = key_node.start_mark.line + 1
            if child in index.lines:  # YAML keeps the last one silently; say so instead
                index.duplicates.append((child, line, index.lines[child]))
                continue
            index.lines[child] = line
            _visit(value_node, child, index, seen)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            index.lines[(*path, position)] = item.start_mark.line + 1
            _visit(item, (*path, position), index, seen)


def dotted(path: Path) -> str:
    """`("bindings", "ok", "shell", 1)` -> `"bindings.ok.shell[1]"`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
