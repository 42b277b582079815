from __future__ import annotations

from channels.email.dsn import parse_dsn
from channels.email.inbox import sender_of
from channels.email.parse import message_key, parse_mail
from channels.email.quotes import strip_quotes
from tests.channels.email import samples

LIMIT = 10 * 1024 * 1024


def test_thunderbird_mail_with_screenshot() -> None:
    mail = parse_mail(samples.thunderbird(screenshot=samples.PNG), max_file_size=LIMIT)
    assert (mail.sender, mail.sender_name) == ("alice@switchboard.test", "Alice Smith")
    assert mail.subject == "Printer on floor 3 is offline"
    assert mail.message_id == "<a1b2c3@mail.switchboard.test>"
    assert "floor 3 shows offline" in mail.text
    assert [(f.filename, f.mime_type, f.content) for f in mail.files] == [("screenshot.png", "image/png", samples.PNG)]


def test_the_door_reads_the_same_sender_as_the_parser_from_the_headers_alone() -> None:
    """The door keys a mail's conversation by its sender from the raw header block (no body, no
    header registry); the worker's full parse must find the same address, or one customer's mails
    would be ordered apart from each other."""
    mails = [
        samples.thunderbird(screenshot=samples.PNG),
        samples.koi8r_plain(),
        samples.outlook_cp1251_html_reply(in_reply_to="<a@x>", references="<a@x>", subject="Re: x", quoted="old"),
        samples.gmail_alternative_with_inline_image(),
        samples.out_of_office(),
        b"From: =?utf-8?b?0JjQstCw0L0=?= <Ivan@Example.RU>\r\nSubject: x\r\n\r\nFrom: body@x.test\r\n",
        "From: Иван <ivan@x.test>\nTo: support@x.test\n\nbody".encode(),
    ]
    for raw in mails:
        assert sender_of(raw) == parse_mail(raw, max_file_size=LIMIT).sender != "", raw[:80]
    assert sender_of(b"Subject: no sender\r\n\r\nFrom: body@x.test\r\n") == ""


def test_koi8r_subject_sender_and_body() -> None:
    mail = parse_mail(samples.koi8r_plain(), max_file_size=LIMIT)
    assert mail.sender_name == "Иван"
    assert mail.subject == "Не работает почта"
    assert mail.text == "Почта не уходит со вчерашнего дня."


def test_outlook_html_only_cp1251_reply_becomes_clean_text_without_history() -> None:
    raw = samples.outlook_cp1251_html_reply(
        in_reply_to="<ours-2@switchboard.test>",
        references="<a1b2c3@x> <ours-1@switchboard.test> <ours-2@switchboard.test>",
        subject="Принтер [#1001]",
        quoted="Какой у принтера номер?",
    )
    mail = parse_mail(raw, max_file_size=LIMIT)
    assert mail.sender_name == "Боб Петров"
    assert mail.subject == "RE: Принтер [#1001]"
    assert "<p>" not in mail.text and "<b>" not in mail.text and "alert" not in mail.text and "margin" not in mail.text
    assert mail.thread_ids() == ["<ours-2@switchboard.test>", "<ours-1@switchboard.test>", "<a1b2c3@x>"]
    new = strip_quotes(mail.text)
    assert "Принтер снова работает, спасибо." in new
    assert "Какой у принтера номер" not in new and "From:" not in new


def test_gmail_alternative_prefers_plain_and_keeps_inline_image_and_non_ascii_file_name() -> None:
    mail = parse_mail(samples.gmail_alternative_with_inline_image(), max_file_size=LIMIT)
    assert mail.text.startswith("See the error below.")
    names = {f.filename: f for f in mail.files}
    assert names["error.png"].content_id == "ii_abc" and names["error.png"].content == samples.PNG
    assert names["Отчёт об ошибке.txt"].content == b"log line\n"


def test_rfc2231_file_name_and_huge_attachment_refused() -> None:
    raw = samples.thunderbird(screenshot=b"x" * 2000, filename="Скриншот экрана.png")
    mail = parse_mail(raw, max_file_size=1000)
    assert b"filename*0*=utf-8''" in raw  # RFC 2231, continued over two lines
    assert mail.files == []
    assert [(r.filename, r.size) for r in mail.refused] == [("Скриншот экрана.png", 2000)]


def test_rfc2047_file_name_as_outlook_sends_it() -> None:
    raw = samples.thunderbird(screenshot=samples.PNG, filename="x.png").replace(
        b'filename="x.png"', b'filename="=?utf-8?B?0KHQutGA0LjQvS5wbmc=?="'
    )
    assert [f.filename for f in parse_mail(raw, max_file_size=LIMIT).files] == ["Скрин.png"]


def test_long_references_are_capped_to_the_newest() -> None:
    refs = " ".join(f"<m{i}@x>" for i in range(200))
    mail = parse_mail(samples.thunderbird(headers={"References": refs}), max_file_size=LIMIT)
    assert len(mail.references) == 30 and mail.references[-1] == "<m199@x>"
    assert len(message_key("<" + "a" * 300 + "@x>")) <= 128


def test_quotes_gmail_thunderbird_and_russian_attributions_and_signature() -> None:
    assert strip_quotes("Thanks, works now.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Support <support@x> wrote:\n> old") == (
        "Thanks, works now."
    )
    assert strip_quotes("Спасибо!\n\n01.12.2026 10:00, Support пишет:\n> старое") == "Спасибо!"
    assert strip_quotes("Да.\n\nВт, 1 дек. 2026 г. в 10:00, Support <support@x>:\n> вопрос") == "Да."
    assert strip_quotes("Ok\n\nOn Tue, Dec 1, 2026 at 10:00 AM Support\n<support@x> wrote:\n> q") == "Ok"
    assert strip_quotes("Here.\n-----Original Message-----\nFrom: Support\nSent: today") == "Here."
    assert strip_quotes("Answer\n\n-- \nAlice Smith\nACME Corp") == "Answer"
    assert strip_quotes("> is it on?\nyes\n> model?\nX200") == "yes\nX200"
    assert strip_quotes("> only a quote") == "> only a quote"


def test_dsn_gives_failed_recipient_and_original_message_id() -> None:
    bounce = parse_dsn(samples.bounce(original_message_id="<ours-9@switchboard.test>"))
    assert bounce is not None
    assert bounce.recipient == "nobody@switchboard.test"
    assert bounce.original_message_id == "<ours-9@switchboard.test>"
    assert bounce.status == "5.1.1" and "unknown user" in bounce.reason
    assert parse_dsn(samples.thunderbird()) is None
