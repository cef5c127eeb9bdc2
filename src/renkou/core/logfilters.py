"""A logging filter that masks anything shaped like an identity number or mobile phone.

Django logs the path of every 4xx/5xx request; a number typed into a URL by mistake
must not reach a log file (SECURITY.md).
"""

from __future__ import annotations

import logging
import re

from renkou.linkage.idnumber import mask

_ID_LIKE = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx]|\d{15})(?![\dA-Za-z])")
_PHONE_LIKE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def scrub(text: str) -> str:
    text = _ID_LIKE.sub(lambda m: mask(m.group(1)), text)
    return _PHONE_LIKE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskIdentityNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
