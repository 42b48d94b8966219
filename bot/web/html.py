"""A tiny renderer: escaped HTML fragments, one layout with the menu, and a few building blocks.

Everything inserted into a page goes through `esc` unless it is a `Markup` made here, so text people
typed (answers, names, announcements) can never become markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from string import Template

from bot.web import texts as t


class Markup(str):
    """HTML that is already safe (built by these functions)."""


def esc(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup(escape(str(value), quote=True))


def join(parts: Iterable[object]) -> Markup:
    return Markup("".join(esc(p) for p in parts))


def tag(element: str, content: object = "", /, **attrs: object) -> Markup:
    shown = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"' for k, v in attrs.items() if v is not None
    )
    return Markup(f"<{element}{shown}>{esc(content)}</{element}>")


def link(href: str, text: object, **attrs: object) -> Markup:
    return tag("a", text, href=href, **attrs)


def table(headers: Sequence[object], rows: Iterable[Sequence[object]], empty: str = t.NOTHING) -> Markup:
    body = [tag("tr", join(tag("td", cell) for cell in row)) for row in rows]
    if not body:
        return tag("p", empty, class_="muted")
    head = tag("thead", tag("tr", join(tag("th", h) for h in headers)))
    return tag("div", tag("table", join([head, tag("tbody", join(body))])), class_="scroll")


def bar(done: int, target: int, behind: bool = False) -> Markup:
    """A progress bar against a target (SVG-free: a div whose width is the share)."""
    share = min(100, done * 100 // target) if target else 0
    inner = tag("span", "", style=f"width:{share}%")
    return tag("div", inner, class_="bar behind" if behind else "bar", title=f"{share}%")


def hidden(name: str, value: object) -> Markup:
    return Markup(f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">')


def form(action: str, csrf: str, content: object, *, upload: bool = False, class_: str = "") -> Markup:
    """Every form posts the session's CSRF token."""
    enctype = "multipart/form-data" if upload else None
    body = join([hidden("csrf", csrf), content])
    return tag("form", body, method="post", action=action, enctype=enctype, class_=class_ or None)


def field(label: str, control: Markup) -> Markup:
    return tag("label", join([tag("span", label), control]))


def text_input(name: str, value: object = "", **attrs: object) -> Markup:
    shown = "".join(f' {k.rstrip("_")}="{esc(v)}"' for k, v in attrs.items() if v is not None)
    return Markup(f'<input name="{esc(name)}" value="{esc(value)}"{shown}>')


def textarea(name: str, value: object = "", rows: int = 4) -> Markup:
    return tag("textarea", value, name=name, rows=rows)


def select(name: str, options: Sequence[tuple[str, str]], chosen: str = "") -> Markup:
    items = [
        Markup(f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(label)}</option>')
        for v, label in options
    ]
    return tag("select", join(items), name=name)


def button(text: str, name: str | None = None, value: str | None = None, kind: str = "") -> Markup:
    return tag("button", text, type="submit", name=name, value=value, class_=kind or None)


def notice(text: str, kind: str = "ok") -> Markup:
    return tag("p", text, class_=f"notice {kind}")


_LAYOUT = Template("""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · $brand</title>
<link rel="stylesheet" href="/web/static/console.css"></head>
<body>$header<main><h1>$title</h1>$body</main>$script</body></html>
""")


def menu(pages: Sequence[tuple[str, str]], current: str, csrf: str) -> Markup:
    links = [link(href, label, class_="on" if href == current else None) for href, label in pages]
    out = form("/web/logout", csrf, button(t.LOGOUT, kind="quiet"))
    return tag("header", join([tag("strong", t.BRAND), *links, out]))


def page(title: str, body: object, header: str = "", *, script: str | None = None) -> str:
    tail = Markup(f'<script src="{esc(script)}" defer></script>') if script else Markup("")
    return _LAYOUT.substitute(
        title=esc(title), brand=esc(t.BRAND), header=esc(Markup(header)), body=esc(body), script=tail
    )
