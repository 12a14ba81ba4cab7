"""Markdown on hostile input: the worst time to derive a post's HTML from its body.

    uv run --frozen python bench/markdown_pathological.py            # with the budget
    uv run --frozen python bench/markdown_pathological.py --before   # also without it
    uv run --frozen python bench/markdown_pathological.py --python-markdown  # and the old one

Renders commonmark.js's pathological cases (test/pathological_tests.py), adversarial
bodies of the largest size a post may have (200,000 characters, `MAX_BODY_LENGTH`) and
a realistic markup-dense article, each at half and at full size. Timed is what
`Post.save()` derives from a body: `blog.markdown.render()` (parse, highlight, sanitise,
or the plain-text fallback once `RENDER_BUDGET_SECONDS` is spent), the reading time and
the excerpt. Each cell says which path the render took: "full" or "plain" (fallback).
"Before" is the same pipeline with an unlimited budget (markdown-it alone).

The target is under 0.5 s per case on the 2-core test machine, and the realistic
article rendered in full. Every render runs in a child process under a CPU limit
(`--timeout`, default 10 s), so a quadratic renderer shows up as "> 10 s" instead of
running for hours. Times are CPU seconds of the rendering process (the machine is
shared). Not a test: numbers depend on the machine, so they are printed, not asserted.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

LIMIT = 200_000
TARGET_SECONDS = 0.5


def _repeat(unit: str, tail: str = "") -> Callable[[int], str]:
    return lambda size: unit * ((size - len(tail)) // len(unit)) + tail


def _nested(open_: str, middle: str, close: str) -> Callable[[int], str]:
    return lambda size: (
        open_ * (n := (size - len(middle)) // (len(open_) + len(close))) + (middle + close * n)
    )


def _lines(make_line: Callable[[int], str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        out, total, i = [], 0, 0
        while total < size:
            line = make_line(i)
            out.append(line)
            total += len(line)
            i += 1
        return "".join(out)[:size]

    return build


_WORDS = [
    "lantern", "harbour", "keeper", "night", "tide", "signal", "rope", "oil", "wick", "glass",
    "storm", "coast", "beacon", "shutter", "ledger", "mast", "gull", "north", "quay", "fog",
]  # fmt: skip


def realistic(size: int) -> str:
    """A long article as writers send it, dense with markup: every sentence has three
    marked-up words (emphasis, strong, code, a link, strikethrough); headings, lists,
    Python code blocks, tables, quotes and footnotes between the paragraphs."""
    rnd = random.Random(8)  # noqa: S311 (a fixed sample text)

    def sentence() -> str:
        words = [rnd.choice(_WORDS) for _ in range(rnd.randint(8, 16))]
        for i in rnd.sample(range(len(words)), 3):
            w = words[i]
            words[i] = rnd.choice(
                [f"*{w}*", f"**{w}**", f"`{w}()`", f"[{w}](https://example.com/{w})",
                 f"~~{w}~~", f"_{w}_"]
            )  # fmt: skip
        return " ".join(words).capitalize() + "."

    def block(n: int) -> str:
        kind = n % 12
        if kind == 1:
            return f"## {sentence()[:40]}"
        if kind == 4:
            return "\n".join(f"- {sentence()}" for _ in range(4))
        if kind == 7:
            lines = (f"def f{i}(x):\n    return x * {i}  # {rnd.choice(_WORDS)}" for i in range(4))
            return "```python\n" + "\n".join(lines) + "\n```"
        if kind == 9:
            rows = (f"| {rnd.choice(_WORDS)} | *{i}* |" for i in range(4))
            return "| a | b |\n|---|--:|\n" + "\n".join(rows)
        if kind == 10:
            return f"> {sentence()} {sentence()}[^{n}]\n\n[^{n}]: {sentence()}"
        return " ".join(sentence() for _ in range(5))

    parts, total, n = [], 0, 0
    while total < size:
        n += 1
        parts.append(block(n))
        total += len(parts[-1]) + 2
    return "\n\n".join(parts)[:size]


REALISTIC = "realistic article, markup-dense"
# name -> body of (about) `size` characters
CASES: dict[str, Callable[[int], str]] = {
    # commonmark.js test/pathological_tests.py
    "nested strong emph": _nested("*a **a ", "b", " a** a*"),
    "many emph closers with no openers": _repeat("a_ "),
    "many emph openers with no closers": _repeat("_a "),
    "many link closers with no openers": _repeat("a]"),
    "many link openers with no closers": _repeat("[a"),
    "mismatched openers and closers": _repeat("*a_ "),
    "openers and closers multiple of 3": lambda n: "a**b" + _repeat("c* ")(n - 4),
    "link openers and emph closers": _repeat("[ a_"),
    "pattern [ (]( repeated": _repeat("[ (]("),
    "nested brackets": _nested("[", "a", "]"),
    "nested block quotes": lambda n: "> " * ((n - 1) // 2) + "a",
    "deeply nested lists": _lines(lambda i: "  " * min(i, 300) + "* a\n"),
    "U+0000 in input": _repeat("abc\u0000de\u0000"),
    "backticks": _lines(lambda i: "e" + "`" * (i % 2000 + 1)),
    "unclosed links A": _repeat("[a](<b"),
    "unclosed links B": _repeat("[a](b"),
    "unclosed <!--": lambda n: "</" + _repeat("<!--")(n - 2),
    "reference link definitions": _lines(lambda i: f"[a{i}]: /u\n"),
    "many references used": lambda n: "[a]: /u\n\n" + _repeat("[a] ")(n - 10),
    "emph with many delimiters": _repeat("**_a_**"),
    # single characters and near neighbours, at the body limit
    '"[" * n': _repeat("["),
    '"]" * n': _repeat("]"),
    '"*" * n': _repeat("*"),
    '"_" * n': _repeat("_"),
    '"`" * n': _repeat("`"),
    '"<" * n': _repeat("<"),
    '"!" then "[" * n': lambda n: "!" + "[" * (n - 1),
    '"![" * n': _repeat("!["),
    '"[](" * n': _repeat("[]("),
    '"<a " * n': _repeat("<a "),
    '"&#" * n': _repeat("&#"),
    "nested inline links": _nested("[", "x", "](/u)"),
    "nested images": _nested("![", "x", "](/u)"),
    "autolinks unclosed": _repeat("<http://a"),
    "raw html unclosed attributes": _repeat('<a href="'),
    # block structure and the plugins we enable
    "many same headings": _repeat("# a\n"),
    "many distinct headings": _lines(lambda i: f"## h{i}\n"),
    "table, many rows": lambda n: "| a | b |\n|---|---|\n" + _repeat("| x | y |\n")(n - 20),
    "table, many columns": lambda n: _repeat("|a")(n // 2) + "\n" + _repeat("|-")(n // 2),
    "pipes without table": _repeat("|"),
    "footnote refs unresolved": _repeat("[^a]"),
    "footnote openers": _repeat("[^"),
    "footnotes defined and used": lambda n: _lines(lambda i: f"x[^{i}]\n\n[^{i}]: n\n")(n),
    "definition lists": _repeat("t\n: d\n"),
    "definition colons": _repeat(": "),
    "fenced code, unknown language": lambda n: "```zzz\n" + _repeat("x ")(n - 7),
    "fenced code, python (size-capped)": lambda n: "```python\n" + _repeat("'''\"\"\"# (")(n),
    "many small python fences": _repeat("```python\nx = '''a'''\n```\n"),
    "strikethrough": _repeat("~~a"),
    "tildes": _repeat("~"),
    "list markers": _repeat("- "),
    "ordered list markers": _repeat("1. "),
    "setext underlines": _repeat("a\n=\n"),
    "emphasis in table cells": lambda n: "|a|\n|-|\n" + _repeat("|*a _b [c|\n")(n - 8),
    # what the sanitiser, not the parser, found slow
    '"&" * n': _repeat("&"),
    '"& " * n': _repeat("& "),
    '"&#38;" * n': _repeat("&#38;"),
    "raw html attribute of entities": lambda n: '<a title="' + _repeat("&#38;")(n - 14) + '">x</a>',
    # must render in full, not fall back
    REALISTIC: realistic,
}


def _derive(source: str, budget: float) -> str:
    """What Post.save() derives from a body; the path the render took."""
    import django

    django.setup()
    from blog.markdown import excerpt_from, reading_minutes, render

    rendering = render(source, budget_seconds=budget)
    reading_minutes(source)
    excerpt_from(rendering.html)
    return "full" if rendering.complete else "plain"


def _render_bounded(source: str) -> str:
    from blog.markdown import RENDER_BUDGET_SECONDS

    return _derive(source, RENDER_BUDGET_SECONDS)


def _render_unbounded(source: str) -> str:
    return _derive(source, math.inf)


def _render_python_markdown(source: str) -> str:
    """The pipeline Broadsheet used first: python-markdown with `extra`, then nh3."""
    import markdown
    import nh3

    nh3.clean(markdown.markdown(source, extensions=["extra", "sane_lists", "toc"]))
    return "full"


Result = tuple[float, str] | str | None  # (seconds, path), an exception's name, or timeout


def _child(
    render: Callable[[str], str], name: str, size: int, timeout: float, queue: mp.Queue
) -> None:
    source = CASES[name](size)[:LIMIT]
    render("warm up *the* parser")
    start = time.process_time()
    # The kernel stops the child after `timeout` CPU seconds of rendering (SIGXCPU).
    resource.setrlimit(resource.RLIMIT_CPU, (int(start + timeout) + 1, int(start + timeout) + 2))
    try:
        path = render(source)
    except Exception as error:  # python-markdown raises RecursionError on deep nesting
        queue.put(type(error).__name__)
        return
    queue.put((time.process_time() - start, path))


def measure(render: Callable[[str], str], name: str, size: int, timeout: float) -> Result:
    """CPU seconds to render one case in a fresh process and the path it took, None past
    `timeout`, or the name of the exception the renderer raised.

    CPU time, not wall time: the machine is shared, and other processes' load would
    otherwise be counted as the renderer's. The limit is the kernel's CPU limit too.
    """
    queue: mp.Queue = mp.Queue()
    process = mp.Process(target=_child, args=(render, name, size, timeout, queue))
    process.start()
    process.join()
    return queue.get() if process.exitcode == 0 and not queue.empty() else None


def _fmt(result: Result, timeout: float) -> str:
    if isinstance(result, str):
        return f"error: {result}"
    if result is None or result[0] > timeout:
        return f"> {timeout:.0f} s"
    seconds, path = result
    return f"{seconds:.3f} s {path}"


def _seconds(result: Result) -> float:
    return result[0] if isinstance(result, tuple) else math.inf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", action="store_true", help="also time without the budget")
    parser.add_argument("--python-markdown", action="store_true", help="also time python-markdown")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--only", help="run only cases whose name contains this")
    parser.add_argument("--sizes", default="half,full", help="half,full | full")
    args = parser.parse_args()
    names = [n for n in CASES if not args.only or args.only in n]
    sizes = [LIMIT // 2, LIMIT] if "half" in args.sizes else [LIMIT]
    renderers = [("bounded", _render_bounded)]
    if args.before:
        renderers.insert(0, ("unbounded", _render_unbounded))
    if args.python_markdown:
        renderers.insert(0, ("python-markdown", _render_python_markdown))
    results: dict[str, dict[str, Result]] = {label: {} for label, _ in renderers}
    print(
        f"{'case':40} "
        + " ".join(
            f"{label + ' ' + str(s // 1000) + 'k':>22}" for label, _ in renderers for s in sizes
        )
    )
    for name in names:
        cells = []
        for label, render in renderers:
            for size in sizes:
                result = measure(render, name, size, args.timeout)
                cells.append(f"{_fmt(result, args.timeout):>22}")
                if size == LIMIT:
                    results[label][name] = result
        print(f"{name[:40]:40} " + " ".join(cells), flush=True)
    print()
    for label, by_name in results.items():
        worst = max(by_name, key=lambda n: _seconds(by_name[n]))
        under = sum(_seconds(r) < TARGET_SECONDS for r in by_name.values())
        plain = sum(isinstance(r, tuple) and r[1] == "plain" for r in by_name.values())
        print(
            f"{label:>15} at {LIMIT // 1000}k: "
            f"worst {_fmt(by_name[worst], args.timeout)} ({worst}); "
            f"{under}/{len(by_name)} under {TARGET_SECONDS} s; {plain} fell back to plain text"
        )
    bounded = results["bounded"]
    worst = max(map(_seconds, bounded.values()))
    realistic_full = REALISTIC not in bounded or (
        isinstance(bounded[REALISTIC], tuple) and bounded[REALISTIC][1] == "full"
    )
    met = worst < TARGET_SECONDS and realistic_full
    print(
        f"target < {TARGET_SECONDS} s per case and the realistic article in full: "
        + ("met" if met else "MISSED")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
