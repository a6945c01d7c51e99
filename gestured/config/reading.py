"""Reading a config file that may be anything: a FIFO, a device, a huge file, bad bytes.

`read_config_text` opens without blocking, checks with `fstat` that it holds a regular
file, and reads at most `MAX_CONFIG_BYTES`; everything else is a ConfigError naming the
file and what to do. `compose_yaml` parses the text with PyYAML's safe loader under
caps on nesting depth and on the size of the document once aliases are expanded, and
turns every YAML error (also a bad `!!int`, `!!float` or an over-long number) into one
`file:line` line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Iterator

import yaml

from gestured.config.errors import ConfigError
from gestured.config.messages import shorten

MAX_CONFIG_BYTES = 1 << 20  # a documented gestures.yaml is ~5 KB
MAX_DEPTH = 32  # the real file nests 5 deep (file, bindings, binding, shell list, item)
MAX_NODES = 10_000  # values in the document (once every alias is expanded); the real file has ~100

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFDIR: "a directory", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def read_config_text(path: Path, limit: int = MAX_CONFIG_BYTES) -> str:
    """The UTF-8 text of the regular file at `path`, never blocking on what `path` is.

    Raises ConfigError for a missing or unreadable file, a FIFO, device, socket or
    directory, a file above `limit` bytes and bytes that are not UTF-8.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise ConfigError([f"{path}: cannot read: {error.strerror}"]) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise ConfigError([f"{path}: cannot read: it is {kind}; the config must be a regular file"])
        data = _read_at_most(descriptor, limit + 1)
    except OSError as error:
        raise ConfigError([f"{path}: cannot read: {error.strerror}"]) from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise ConfigError([f"{path}: cannot read: larger than {limit // 1024} KiB; "
                           "a gestures.yaml is a few KB, is this the right file?"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError([f"{path}:{line}: cannot read: not UTF-8 text"]) from None


def _read_at_most(descriptor: int, count: int) -> bytes:
    chunks: list[bytes] = []
    while count > 0:
        chunk = os.read(descriptor, min(count, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses deep nesting while composing (PyYAML composes recursively)
    and reports a constructor's ValueError (`!!float abc`) at the value's line."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        self.nodes += 1
        try:
            if self.depth > MAX_DEPTH or self.nodes > MAX_NODES:
                problem = (f"nested deeper than {MAX_DEPTH} levels" if self.depth > MAX_DEPTH
                           else f"more than {MAX_NODES} values: is this the right file?")
                raise yaml.composer.ComposerError(None, None, problem, self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as error:
            problem = f"cannot read this {_tag_name(node.tag)} value: {_first_line(str(error))}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


def compose_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """Parse `text` once: (the data, its node tree for line numbers); (None, None) when empty.

    Raises ConfigError with one `source:line: YAML syntax error: ...` line for any YAML
    problem, nesting beyond MAX_DEPTH, or more than MAX_NODES values after alias expansion.
    """
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)  # the reader checks every character here
        node = loader.get_single_node()
        if node is None:
            return None, None
        depth, count = measure(node)
        if depth > MAX_DEPTH or count > MAX_NODES:
            what = f"nested deeper than {MAX_DEPTH} levels" if depth > MAX_DEPTH else f"more than {MAX_NODES} values"
            raise ConfigError([f"{source}:{node.start_mark.line + 1}: YAML: {what} once aliases "
                               "(*name) are expanded: simplify the file"])
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as error:
        raise ConfigError([f"{source}:{_line(error)}: YAML syntax error: {shorten(_problem(error))}"]) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        character = f"U+{error.character:04X}" if isinstance(error.character, int) else "a character"
        raise ConfigError([f"{source}:{line}: YAML syntax error: {character} is not allowed in YAML "
                           "(control characters must be escaped inside double quotes): remove it"]) from None
    except yaml.YAMLError as error:
        raise ConfigError([f"{source}:1: YAML syntax error: {shorten(_first_line(str(error)))}"]) from None
    finally:
        if loader is not None:
            loader.dispose()


def measure(root: yaml.Node) -> tuple[int, int]:
    """(depth, number of nodes) of the tree `root` stands for once aliases are expanded.

    Iterative, so a chain of aliases that nests deeper than Python's stack is measured
    too; a node that contains itself (`&a [*a]`) counts once.
    """
    depth: dict[int, int] = {}
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    entered: set[int] = set()
    while stack:
        node, finished = stack.pop()
        children = list(_children(node))
        if finished:
            depth[id(node)] = 1 + max((depth.get(id(child), 0) for child in children), default=0)
            size[id(node)] = 1 + sum(size.get(id(child), 0) for child in children)
        elif id(node) not in entered:
            entered.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children)
    return depth[id(root)], size[id(root)]


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _line(error: yaml.MarkedYAMLError) -> int:
    mark = error.problem_mark or error.context_mark
    return mark.line + 1 if mark else 1


def _problem(error: yaml.MarkedYAMLError) -> str:
    problem = str(error.problem)
    if problem.startswith("but ") and error.context:  # "but found another document"
        problem = f"{error.context}, {problem}"
    return problem


def _tag_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else tag


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid value"
