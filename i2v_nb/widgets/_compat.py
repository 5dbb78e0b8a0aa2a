"""Everything that differs between the front ends the Studio runs on, in one place.

ipywidgets 7.7 (what Colab ships and renders natively) and 8.x (JupyterLab 4, Notebook 7,
VS Code) differ in a few traits the Studio uses; the parts never test a version themselves, they
call the helpers below, which look at the traits a widget class really has:

=====================  ==========================================  ============================
                       ipywidgets 8.x                              ipywidgets 7.7
=====================  ==========================================  ============================
tooltips               ``tooltip`` on every widget; left None, a   ``tooltip`` on buttons only,
                       label or upload shows ``title="null"``      ``description_tooltip`` on
                       (:func:`fill_tooltips` sets each one)       the others (``tooltip=`` is
                                                                   silently dropped; None shows
                                                                   the description)
Tab/Accordion titles   ``titles=`` (a tuple, kept as long as       ``set_title(i, title)`` (a
                       ``children``)                               ``_titles`` dict)
``FileUpload.value``   tuple of dicts ``name, type, size,          read-only dict ``{name:
                       content`` (memoryview), ``last_modified``   {"metadata", "content"}}``
                                                                   built from ``metadata``,
                                                                   ``data`` and ``_counter``
clearing an upload     ``value = ()``                              ``metadata = data = []``,
                                                                   ``_counter = 0``
``Output``             works                                       widgetsnbextension 3.6.10's
                                                                   front end cannot create one
                                                                   and blanks the whole Studio
=====================  ==========================================  ============================

The Studio therefore uses no ``Output`` widget at all (logs are ``HTML``, see
:class:`~i2v_nb.widgets._common.LogView`), and only layout traits and CSS classes that both
versions have (``widget-html-content``, ``jupyter-button``...).

Colab is detected by importing ``google.colab`` (:func:`in_colab`); the tests fake that module.

>>> from i2v_nb.widgets._compat import tooltip_kwargs
>>> import ipywidgets as W
>>> W.Checkbox(description="loop", **tooltip_kwargs(W.Checkbox, "seamless loop")).description
'loop'
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable, Sequence

import ipywidgets as W

__all__ = [
    "IPYWIDGETS_MAJOR",
    "tooltip_kwargs",
    "set_tooltip",
    "tooltip_of",
    "fill_tooltips",
    "titled",
    "titles_of",
    "upload_entries",
    "clear_upload",
    "in_colab",
    "colab_files",
]

#: The major version of the installed ipywidgets (7 or 8).
IPYWIDGETS_MAJOR = int(W.__version__.split(".")[0])


def _has_trait(widget_or_class: Any, name: str) -> bool:
    cls = widget_or_class if isinstance(widget_or_class, type) else type(widget_or_class)
    return name in cls.class_trait_names()


def _tooltip_trait(widget_or_class: Any) -> str | None:
    """The trait that holds a hover text: ``tooltip`` (ipywidgets 8, buttons of 7), else
    ``description_tooltip`` (the other widgets of 7), else None."""
    if _has_trait(widget_or_class, "tooltip"):
        return "tooltip"
    if _has_trait(widget_or_class, "description_tooltip"):
        return "description_tooltip"
    return None


def tooltip_kwargs(cls: type, text: str | None) -> dict[str, str]:
    """The keyword that gives a widget of class ``cls`` the hover text ``text``.

    >>> import ipywidgets as W
    >>> list(tooltip_kwargs(W.Button, "go")) == ["tooltip"]
    True
    """
    name = _tooltip_trait(cls)
    return {name: str(text)} if name and text else {}


def set_tooltip(widget: Any, text: str | None) -> None:
    """Set the hover text of an existing widget (see :func:`tooltip_kwargs`)."""
    name = _tooltip_trait(widget)
    if name:
        setattr(widget, name, None if text is None else str(text))


def tooltip_of(widget: Any) -> str | None:
    """The hover text of a widget, whichever trait holds it."""
    name = _tooltip_trait(widget)
    return getattr(widget, name) if name else None


def fill_tooltips(root: Any) -> int:
    """Give every widget under ``root`` (itself, the children of boxes and tabs) whose hover
    text is None its description (or ``""``); returns how many were set.

    ipywidgets 8's front end writes a None ``tooltip`` into the page as the text ``"null"``: the
    label of every described widget (HTML included) and the upload button get ``title="null"``.
    ipywidgets 7 shows the description for a None ``description_tooltip``, which is what this
    sets too. Call it on each part once built, and again on children made later.

    >>> import ipywidgets as W
    >>> box = W.VBox([W.HTML("x"), W.Dropdown(options=["a"], description="Pick")])
    >>> fill_tooltips(box) >= 2, [tooltip_of(w) for w in box.children]
    (True, ['', 'Pick'])
    """
    count = 0
    stack = [root]
    while stack:
        widget = stack.pop()
        name = _tooltip_trait(widget)
        if name and getattr(widget, name) is None:
            description = getattr(widget, "description", "")
            setattr(widget, name, description if isinstance(description, str) else "")
            count += 1
        stack.extend(getattr(widget, "children", ()) or ())
    return count


def titled(cls: type, children: Sequence[Any], titles: Iterable[str], **kwargs: Any) -> Any:
    """A ``Tab`` or ``Accordion`` (``cls``) with page titles: ``titles=`` on ipywidgets 8,
    ``set_title`` on 7.

    >>> import ipywidgets as W
    >>> titles_of(titled(W.Tab, [W.HTML("a"), W.HTML("b")], ["A", "B"]))
    ['A', 'B']
    """
    children, titles = list(children), [str(t) for t in titles]
    if _has_trait(cls, "titles"):
        return cls(children=children, titles=tuple(titles), **kwargs)
    widget = cls(children=children, **kwargs)
    for i, title in enumerate(titles):
        widget.set_title(i, title)
    return widget


def titles_of(container: Any) -> list[str | None]:
    """The page titles of a ``Tab``/``Accordion`` (``get_title`` exists in both versions)."""
    return [container.get_title(i) for i in range(len(container.children))]


def upload_entries(value: Any) -> list[tuple[str, bytes]]:
    """``(name, content)`` of each file in a ``FileUpload.value``: ipywidgets 8's tuple of dicts
    (``content`` a memoryview) or 7's dict ``{name: {"metadata": ..., "content": bytes}}``.

    >>> upload_entries(({"name": "a.png", "content": memoryview(b"abc")},))
    [('a.png', b'abc')]
    >>> upload_entries({"b.png": {"metadata": {"name": "b.png"}, "content": b"xyz"}})
    [('b.png', b'xyz')]
    """
    out: list[tuple[str, bytes]] = []
    if isinstance(value, dict):  # ipywidgets 7
        for name, item in value.items():
            content = item.get("content") if isinstance(item, dict) else None
            if content is not None:
                out.append((str(name), bytes(content)))
        return out
    for item in value or ():
        get = item.get if isinstance(item, dict) else (lambda k, _i=item: getattr(_i, k, None))
        content = get("content")
        if content is not None:
            out.append((str(get("name") or "upload"), bytes(content)))
    return out


def clear_upload(upload: Any) -> None:
    """Empty a ``FileUpload`` so that picking the same file again is seen as a new upload (and
    the widget keeps no copy of the bytes). ipywidgets 7's ``value`` is read-only: it is rebuilt
    from ``metadata``/``data`` when the front end bumps ``_counter``."""
    if _has_trait(upload, "_counter"):  # ipywidgets 7
        if not (upload.metadata or upload.data or upload._counter):
            return
        with upload.hold_trait_notifications():
            upload.metadata = []
            upload.data = []
            upload._counter = 0
        if upload.value:  # the counter did not change (it was already 0)
            upload.set_trait("value", {})
        return
    if upload.value:
        upload.value = ()


def in_colab() -> bool:
    """True when running in Google Colab (``google.colab`` can be imported)."""
    return colab_files() is not None


def colab_files() -> Any:
    """Colab's ``google.colab.files`` module (``files.download(path)`` sends a file from the
    runtime to the browser), or None outside Colab."""
    try:
        return importlib.import_module("google.colab.files")
    except Exception:  # noqa: BLE001 - ImportError outside Colab; a broken install is "not Colab"
        return None
