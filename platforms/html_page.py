"""The plain HTML page a person reaches by a link (a ticket's status page, the web chat's e-mail
confirmation): one look for all of them. Callers escape every text they put in."""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}}
dt{{font-weight:600}}dd{{margin:0 0 .5rem}}li{{margin:.5rem 0;white-space:pre-wrap}}
.who{{color:#666;font-size:.85em}}form{{margin:1rem 0}}textarea{{display:block;width:100%;margin:.5rem 0}}
button{{margin:.25rem .5rem .25rem 0;padding:.4rem 1rem}}.notice{{background:#eef6ee;padding:.5rem}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""
