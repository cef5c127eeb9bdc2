from __future__ import annotations

import logging

from renkou.core.logfilters import MaskIdentityNumbers, scrub


def test_scrub_masks_ids_and_phones() -> None:
    text = scrub("GET /x/37040419850314123X/ 13812345678 370404850314123")
    assert "37040419850314123X" not in text
    assert "370404********123X" in text
    assert "138****5678" in text
    assert "370404850314123" not in text


def test_filter_rewrites_record() -> None:
    record = logging.LogRecord(
        "x", logging.WARNING, "f", 1, "Not Found: %s", ("/p/37040419850314123X",), None
    )
    MaskIdentityNumbers().filter(record)
    assert "37040419850314123X" not in record.getMessage()


def test_console_handler_is_configured_with_the_filter() -> None:
    configured = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskIdentityNumbers) for f in h.filters)
    ]
    assert configured, "settings.LOGGING must attach MaskIdentityNumbers to the console handler"
