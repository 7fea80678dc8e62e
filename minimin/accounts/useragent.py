"""Browser, system and kind of device from a User-Agent string, for session lists and login
history. Deliberately small: it names the common browsers and systems and says "Unknown"
otherwise; it never calls an outside service."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

_BROWSERS: tuple[tuple[str, str], ...] = (
    (r"Edg(?:e|A|iOS)?/(\d+)", "Edge"),
    (r"OPR/(\d+)", "Opera"),
    (r"SamsungBrowser/(\d+)", "Samsung Internet"),
    (r"(?:Firefox|FxiOS)/(\d+)", "Firefox"),
    (r"(?:Chrome|CriOS)/(\d+)", "Chrome"),
    (r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/", "Safari"),
)

_SYSTEMS: tuple[tuple[str, str], ...] = (
    (r"Windows NT", "Windows"),
    (r"iPhone|iPad|iPod", "iOS"),
    (r"Android", "Android"),
    (r"CrOS", "ChromeOS"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
)


@dataclass(frozen=True)
class Agent:
    browser: str
    system: str
    device: str

    def __str__(self) -> str:
        return f"{self.browser}, {self.system}"


def describe(user_agent: str | None) -> Agent:
    ua = user_agent or ""
    browser = str(_l("Unknown browser"))
    for pattern, name in _BROWSERS:
        match = re.search(pattern, ua)
        if match:
            browser = f"{name} {match.group(1)}"
            break
    system = str(_l("Unknown system"))
    for pattern, name in _SYSTEMS:
        if re.search(pattern, ua):
            system = name
            break
    if re.search(r"iPad|Tablet", ua) or ("Android" in ua and "Mobile" not in ua):
        device = str(_l("Tablet"))
    elif re.search(r"Mobile|iPhone|iPod", ua):
        device = str(_l("Phone"))
    elif ua:
        device = str(_l("Computer"))
    else:
        device = str(_l("Unknown device"))
    return Agent(browser, system, device)
