"""A labelled stream of incident reports for the mass-incident detector (bench.lookalike and its test).

Each scenario is an hour of reports: a few outages (one cluster each, worded by different customers
in Russian or English, with paraphrases, reordered words, typos, numbers and Latin look-alike
letters), near-misses about the same product but another failure that must stay out of the outage's
group, and unrelated everyday reports. `label` is the outage a report belongs to, None otherwise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# topic -> (language, subjects, descriptions); a near-miss topic names its outage's product.
TOPICS: dict[str, tuple[str, list[str], list[str]]] = {
    "archive": (
        "en",
        [
            "Archive not recording",
            "Cameras stopped recording to the archive",
            "No recordings in video archive",
            "Video archive is empty",
            "Recording stopped on cameras",
            "archive recording not working",
        ],
        [
            "Since 9:40 the cameras do not write anything to the archive, the last recording is from this morning.",
            "Camera {n} and others show live video but the archive has no recordings after {h}:00.",
            "We cannot find any recordings in the archive for today, recording seems stopped.",
            "Playback shows an empty archive, cameras are not recording.",
            "The video archive stopped recording on all cameras of building {n}.",
        ],
    ),
    "ptz": (
        "en",
        ["Camera does not rotate", "PTZ camera not turning", "Camera {n} stuck, cannot pan"],
        [
            "The PTZ camera {n} does not turn when we press the arrows, the picture is fine.",
            "Pan and tilt do nothing on the camera at the entrance, it is stuck looking at the wall.",
        ],
    ),
    "turnstile": (
        "ru",
        [
            "Турникеты не открываются по пропускам",
            "Не работают пропуска на турникетах",
            "Турникет не пускает по карте",
            "Пропуска не срабатывают",
            "турникеты не реагируют на пропуск",
        ],
        [
            "С утра турникеты на проходной не открываются, пропуска не считываются, сотрудники стоят в очереди.",
            "Прикладываем пропуск к турникету {n} — ничего не происходит, красный индикатор.",
            "Ни один пропуск не срабатывает на турникетах в корпусе {n}.",
            "Турникеты перестали реагировать на карты-пропуска примерно в {h}:15.",
            "Карты доступа не открывают турникеты, приходится пускать вручную.",
        ],
    ),
    "guest_badge": (
        "ru",
        ["Не печатается гостевой пропуск", "Принтер пропусков не печатает", "Ошибка печати пропуска для гостя"],
        [
            "При оформлении гостя пропуск не печатается, принтер пишет ошибку ленты.",
            "Гостевые пропуска выходят пустыми из принтера карт на ресепшене.",
        ],
    ),
    "mail": (
        "en",
        [
            "Cannot send emails",
            "Emails stuck in outbox",
            "Mail server not sending",
            "outgoing mail not working",
            "E-mails are not going out",
        ],
        [
            "Since {h}:20 nobody in the office can send e-mail, messages stay in the Outbox.",
            "Outgoing emails are stuck in the outbox with a server error {n}.",
            "We send mail and it never leaves the outbox, receiving still works.",
            "The mail server refuses to send: messages sit in Outbox, error code {n}.",
            "Emails are not being sent to anyone, they remain in outbox.",
        ],
    ),
    "mail_signature": (
        "en",
        ["Email signature wrong", "Wrong logo in mail signature"],
        [
            "The company signature in our e-mails shows the old logo and phone.",
            "Outgoing email signature has an outdated address, please update it.",
        ],
    ),
    "portal": (
        "ru",
        [
            "Личный кабинет не открывается",
            "Ошибка 502 в личном кабинете",
            "Не заходит в личный кабинет",
            "Сайт личного кабинета недоступен",
            "личный кабинет выдаёт ошибку",
        ],
        [
            "При входе в личный кабинет страница грузится и выдаёт ошибку 502.",
            "Личный кабинет не открывается ни в одном браузере, ошибка {n}.",
            "С {h}:00 не можем зайти в личный кабинет, пишет Bad Gateway.",
            "Личный кабинет недоступен: белая страница и ошибка сервера.",
            "Не открывается личный кабинет клиента, ошибка шлюза 502.",
        ],
    ),
    "portal_balance": (
        "ru",
        ["Неверный баланс в личном кабинете", "В личном кабинете не тот баланс"],
        [
            "В личном кабинете баланс показывает задолженность, хотя мы всё оплатили.",
            "Баланс в личном кабинете не обновился после оплаты счёта №{n}.",
        ],
    ),
    "vpn": (
        "ru",
        [
            "Не подключается VPN",
            "VPN не работает",
            "Нет подключения к VPN",
            "впн не коннектится",
            "Ошибка подключения VPN",
        ],
        [
            "VPN клиент пишет ошибку {n} и не подключается, с утра всё было нормально.",
            "Удалённые сотрудники не могут подключиться к VPN, соединение обрывается на авторизации.",
            "Не удаётся подключиться к VPN: таймаут при подключении к серверу.",
            "VPN перестал подключаться у всех в отделе, ошибка подключения.",
            "Подключение к VPN не устанавливается, висит на этапе подключения.",
        ],
    ),
    "vpn_slow": (
        "ru",
        ["Медленный VPN", "VPN очень медленно работает"],
        [
            "VPN подключается, но файлы с сервера открываются очень медленно, скорость низкая.",
            "Через VPN всё работает, но скорость еле-еле, видеозвонки тормозят.",
        ],
    ),
}
OUTAGES = {
    "archive": "ptz",
    "turnstile": "guest_badge",
    "mail": "mail_signature",
    "portal": "portal_balance",
    "vpn": "vpn_slow",
}
EVERYDAY = [
    ("Нужен новый пользователь", "Прошу завести учётную запись для нового сотрудника бухгалтерии."),
    ("Printer on floor 3 jams", "The printer near the kitchen jams on every second page."),
    ("Вопрос по договору", "Подскажите, входит ли выезд инженера в наш тариф?"),
    ("Monitor flickers", "My second monitor flickers when I open a spreadsheet."),
    ("Не приходит смс с кодом", "При входе в банк-клиент не приходит смс с кодом подтверждения."),
    ("Reset my password", "I forgot the password of my workstation account."),
    ("Замена картриджа", "Закончился тонер в принтере на ресепшене."),
    ("Phone line noisy", "The desk phone in meeting room B has a loud noise on calls."),
]
BASE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class LabelledReport:
    key: int
    customer: int
    at: datetime
    subject: str
    description: str
    label: str | None


def _typo(rng: random.Random, text: str) -> str:
    words = text.split()
    index = rng.randrange(len(words))
    word = words[index]
    if len(word) > 4:
        cut = rng.randrange(1, len(word) - 1)
        words[index] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def _vary(rng: random.Random, text: str) -> str:
    text = text.format(n=rng.randint(1, 40), h=rng.randint(8, 17))
    roll = rng.random()
    if roll < 0.2:
        text = text.upper()
    elif roll < 0.4:
        text = text.lower()
    if rng.random() < 0.3:
        text = _typo(rng, text)
    if rng.random() < 0.15:
        text = text.replace("о", "o", 1)  # a Latin "o" inside Russian words
    return text


def scenario(rng: random.Random, index: int, first_key: int, start: datetime) -> list[LabelledReport]:
    reports: list[tuple[datetime, str, str, str | None]] = []
    for outage in rng.sample(sorted(OUTAGES), 3):
        begins = start + timedelta(minutes=rng.uniform(0, 40))
        _, subjects, descriptions = TOPICS[outage]
        for _ in range(rng.randint(3, 7)):
            at = begins + timedelta(minutes=rng.uniform(0, 8))
            reports.append(
                (at, _vary(rng, rng.choice(subjects)), _vary(rng, rng.choice(descriptions)), f"{outage}@{index}")
            )
        _, subjects, descriptions = TOPICS[OUTAGES[outage]]
        for _ in range(rng.randint(1, 2)):
            at = begins + timedelta(minutes=rng.uniform(0, 8))
            reports.append((at, _vary(rng, rng.choice(subjects)), _vary(rng, rng.choice(descriptions)), None))
    for subject, description in rng.sample(EVERYDAY, 4):
        reports.append((start + timedelta(minutes=rng.uniform(0, 50)), subject, description, None))
    reports.sort(key=lambda r: r[0])
    return [
        LabelledReport(first_key + i, first_key + i, at, subject, description, label)
        for i, (at, subject, description, label) in enumerate(reports)
    ]


def labelled_reports(seed: int = 15, scenarios: int = 40) -> list[LabelledReport]:
    """The fixed set: `scenarios` hours of reports, every customer different, in time order."""
    rng = random.Random(seed)
    reports: list[LabelledReport] = []
    for index in range(scenarios):
        reports += scenario(rng, index, len(reports) + 1, BASE + timedelta(hours=2 * index))
    return reports
