"""The public API is exactly what __all__ says, sorted (as httpx tests its own)."""

from __future__ import annotations

import mockserver


def test_all_is_exact_and_sorted() -> None:
    public = {name for name in dir(mockserver) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(mockserver, name)).__name__ == "module"}
    assert set(mockserver.__all__) == (public - modules) | {"__version__"}
    # isort style, as ruff's RUF022 keeps it: CONSTANTS first, then everything else by name
    assert mockserver.__all__ == sorted(mockserver.__all__, key=lambda name: (not name.isupper(), name))


def test_every_error_for_people_is_in_one_drawn_tree() -> None:
    import inspect

    from mockserver import exceptions

    classes = [
        c for _, c in inspect.getmembers(exceptions, inspect.isclass) if c.__module__ == exceptions.__name__
    ]
    assert len(classes) >= 8
    assert exceptions.__doc__ is not None
    for cls in classes:
        assert issubclass(cls, mockserver.MockServerError), cls
        assert getattr(mockserver, cls.__name__) is cls, f"{cls.__name__} is not exported"
        assert f" {cls.__name__}" in exceptions.__doc__, f"{cls.__name__} is not drawn in the tree"
    # No user-facing error is defined outside the tree: every exception class in the package
    # that a user may see derives from the base (internal signals are private, _named).
    import pkgutil

    stray = []
    for info in pkgutil.walk_packages(mockserver.__path__, "mockserver."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command
        module = __import__(info.name, fromlist=["_"])
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Exception)
                and obj.__module__ == module.__name__
                and not issubclass(obj, mockserver.MockServerError)
            ):
                stray.append(f"{module.__name__}.{name}")
    assert set(stray) == INTERNAL_SIGNALS


# Exceptions that never reach a user: they carry control flow inside one step, and each is
# caught where it is raised (the listed module says where).
INTERNAL_SIGNALS = {
    "mockserver.app.BodyTooLarge",  # app.py turns it into a 413
    "mockserver.bodies.BodyError",  # validation turns it into a 400
    "mockserver.behaviors.hooks.Refused",  # the pipeline turns it into the refusal's answer
    "mockserver.behaviors.images._Unusable",  # images.py turns it into a 400
    "mockserver.media.images.ImageError",  # images.py turns it into a 400 for uploads
    "mockserver.media.png.PngError",  # media/images.py turns it into ImageError
    "mockserver.proxy.UpstreamError",  # the pipeline turns it into a 502/504 (--proxy)
    "mockserver.exchange.BrokenOff",  # app.py ends the answer without its last chunk (--proxy)
}
