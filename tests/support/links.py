import re
from urllib.parse import parse_qs, urlsplit

LINK = re.compile(r'href="([^"]+)"')


def link_in(html: str) -> str:
    return LINK.search(html).group(1)


def code_in(html: str) -> str:
    return parse_qs(urlsplit(link_in(html)).query)["code"][0]
