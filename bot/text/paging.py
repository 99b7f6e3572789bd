"""The one line splitter: text packed into pages that fit a platform's message limit.

Every place that splits a long message uses `pack_lines`: digests and summaries (pages with a title),
Slack sections (characters, never inside an ``&…;`` entity) and DingTalk markdown (bytes of the JSON
string). Lines are never split between pages; a single line longer than a page is handed to `overlong`,
which cuts it (with an ellipsis by default) or breaks it into pieces.

`measure` must be additive (the size of ``a + b`` is the size of ``a`` plus that of ``b``): `len` and the
byte length of a JSON-escaped string both are, so a page's size is summed line by line instead of being
measured again for every line added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.render import Markdown

ELLIPSIS = "…"

Measure = Callable[[str], int]


def cut_to(text: str, budget: int, measure: Measure = len) -> str:
    """The longest prefix of `text` whose size is at most `budget`."""
    if measure(text) <= budget:
        return text
    if measure is len:
        return text[: max(budget, 0)]
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid]) <= budget:
            low = mid
        else:
            high = mid - 1
    return text[:low]


def ellipsis_cut(measure: Measure = len) -> Callable[[str, int], list[str]]:
    """An `overlong` rule: keep the start of the line and end it with an ellipsis."""

    def cut(line: str, limit: int) -> list[str]:
        return [cut_to(line, limit - measure(ELLIPSIS), measure) + ELLIPSIS]

    return cut


def pack_lines(
    lines: Iterable[str],
    limit: int,
    *,
    measure: Measure = len,
    overlong: Callable[[str, int], list[str]] | None = None,
) -> list[list[str]]:
    """Group `lines` into pages whose newline-joined size is at most `limit`.

    Always returns at least one page (an empty one for no lines). A line that alone is larger than
    `limit` becomes ``overlong(line, limit)`` (default: cut with an ellipsis); all pieces but the last
    are pages of their own, the last may share its page with the lines that follow.
    """
    split = overlong or ellipsis_cut(measure)
    newline = measure("\n")
    pages: list[list[str]] = []
    current: list[str] = []
    used = 0
    for line in lines:
        size = measure(line)
        if current and used + newline + size <= limit:
            current.append(line)
            used += newline + size
            continue
        if current:
            pages.append(current)
            current, used = [], 0
        pieces = [line] if size <= limit else split(line, limit)
        pages.extend([piece] for piece in pieces[:-1])
        if pieces:
            current, used = [pieces[-1]], measure(pieces[-1])
    if current or not pages:
        pages.append(current)
    return pages


def paginate(title: Callable[[int, int], str], lines: list[str], *, limit: int) -> list[Markdown]:
    """Pack `lines` into pages of at most `limit` characters, each starting with ``title(page, pages)``.

    Lines are never split between pages; a single line longer than a page is cut with an ellipsis.
    """
    room = max(limit - len(title(999, 999)) - 1, 40)

    def cut(line: str, _limit: int) -> list[str]:
        # A line that fits the room on its own is kept whole; only longer ones are cut.
        return [line] if len(line) <= room else [line[: room - len(ELLIPSIS)] + ELLIPSIS]

    # Each line costs its length plus a newline, so the joined page may use `room - 1` characters.
    pages = pack_lines(lines, room - 1, overlong=cut)
    total = len(pages)
    return [Markdown("\n".join([title(n, total), *page])) for n, page in enumerate(pages, start=1)]
