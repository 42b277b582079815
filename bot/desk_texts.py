"""Texts of the desk tools in the agents' group: look-alike reports, search, queues, canned replies, phone requests."""

from __future__ import annotations

from core.i18n import Catalog

EN = {
    "lookalike.suggestion": "🔁 {count} reports in {minutes} min look alike: {numbers}\nIs this one outage?",
    "lookalike.button": "Make #{number} the mass incident and link the others",
    "lookalike.accepted": "✅ {agent} made #{number} the mass incident; linked: {linked}.",
    "lookalike.more": "and {count} more",
    "usage.find": "Write what to look for: /find 1042, /find camera archive, /find Irina or /find +7999…",
    "find.none": "Nothing found for “{query}”.",
    "find.title": "Found for “{query}”:",
    "usage.r": "Name the saved reply: /r greeting (see /canned list).",
    "usage.canned": "/canned list · /canned add <name> <text> · /canned del <name>\n"
    "The text may use {name}, {number}, {subject}, {status}, {type}, {agent}.",
    "canned.unknown": "There is no saved reply “{name}” (see /canned list).",
    "canned.sent": "Sent to the customer:\n{text}",
    "canned.title": "Saved replies:",
    "canned.empty": "none yet; add one with /canned add <name> <text>",
    "canned.added": "Saved reply “{name}” added; send it with /r {name}.",
    "canned.replaced": "Saved reply “{name}” replaced.",
    "canned.deleted": "Saved reply “{name}” deleted.",
    "usage.queue": "/queue shows every list; or one of: /queue unassigned, mine, overdue, waiting.",
    "queue.unassigned": "Nobody's yet: {count}",
    "queue.mine": "Yours: {count}",
    "queue.overdue": "SLA overdue: {count}",
    "queue.waiting": "Waiting for the customer: {count}",
    "queue.more": "…and {count} more: /queue {kind}",
    "digest.title": "Daily digest, {day}",
    "digest.open": "Open requests: {total} ({by_status})",
    "digest.none": "none",
    "digest.sla": "SLA breaches in the last 24 h: {breached}; overdue now: {overdue}",
    "digest.oldest": "Waiting longest for an answer from us:",
    "usage.new": "Record a request taken by phone, one field per line:\n/new\nName: Irina Petrova\n"
    "Contact: +7 999 123-45-67 (phone, e-mail, Telegram id or @username)\nType: incident (or consultation, feature)\n"
    "Subject: Camera at the gate is dark\nDescription: Since 9:00 …\nContact and subject are required.",
    "new.bad_type": "Type must be one of: incident, consultation, feature.",
    "publish.done": "#{number} is published in the suggestions channel; its status will follow there.",
    "publish.status.new": "🆕 Under consideration",
    "publish.status.in_progress": "🔧 In progress",
    "publish.status.waiting_customer": "💬 Under discussion",
    "publish.status.solved": "✅ Done",
    "publish.status.closed": "🔒 Closed",
    "new.reachable": "Request #{number} registered. Updates go to the customer on {channel} ({address}).",
    "new.unreachable": "Request #{number} registered. No channel reaches this customer: give updates by phone ({address}).",
}

RU = {
    "lookalike.suggestion": "🔁 {count} обращений за {minutes} мин похожи: {numbers}\nЭто одна авария?",
    "lookalike.button": "Сделать №{number} массовым и привязать остальные",
    "lookalike.accepted": "✅ {agent} сделал(а) №{number} массовым инцидентом; привязаны: {linked}.",
    "lookalike.more": "и ещё {count}",
    "usage.find": "Напишите, что искать: /find 1042, /find архив камеры, /find Ирина или /find +7999…",
    "find.none": "По запросу «{query}» ничего не найдено.",
    "find.title": "Найдено по запросу «{query}»:",
    "usage.r": "Укажите сохранённый ответ: /r greeting (список: /canned list).",
    "usage.canned": "/canned list · /canned add <имя> <текст> · /canned del <имя>\n"
    "В тексте можно использовать {name}, {number}, {subject}, {status}, {type}, {agent}.",
    "canned.unknown": "Нет сохранённого ответа «{name}» (список: /canned list).",
    "canned.sent": "Отправлено клиенту:\n{text}",
    "canned.title": "Сохранённые ответы:",
    "canned.empty": "пока нет; добавьте: /canned add <имя> <текст>",
    "canned.added": "Ответ «{name}» сохранён; отправка: /r {name}.",
    "canned.replaced": "Ответ «{name}» заменён.",
    "canned.deleted": "Ответ «{name}» удалён.",
    "usage.queue": "/queue показывает все списки; или один: /queue unassigned, mine, overdue, waiting.",
    "queue.unassigned": "Ещё ничьи: {count}",
    "queue.mine": "Ваши: {count}",
    "queue.overdue": "Просрочен SLA: {count}",
    "queue.waiting": "Ждут ответа клиента: {count}",
    "queue.more": "…и ещё {count}: /queue {kind}",
    "digest.title": "Сводка за день, {day}",
    "digest.open": "Открытых обращений: {total} ({by_status})",
    "digest.none": "нет",
    "digest.sla": "Нарушений SLA за 24 ч: {breached}; просрочено сейчас: {overdue}",
    "digest.oldest": "Дольше всех ждут нашего ответа:",
    "usage.new": "Запишите обращение, принятое по телефону, по полю в строке:\n/new\nИмя: Ирина Петрова\n"
    "Контакт: +7 999 123-45-67 (телефон, e-mail, Telegram id или @username)\nТип: инцидент (или консультация, запрос)\n"
    "Тема: Не работает камера у ворот\nОписание: С 9:00 …\nКонтакт и тема обязательны.",
    "new.bad_type": "Тип — одно из: инцидент, консультация, запрос (или incident, consultation, feature).",
    "publish.done": "№{number} опубликовано в канале предложений; его статус будет обновляться там.",
    "publish.status.new": "🆕 На рассмотрении",
    "publish.status.in_progress": "🔧 В работе",
    "publish.status.waiting_customer": "💬 Обсуждается",
    "publish.status.solved": "✅ Сделано",
    "publish.status.closed": "🔒 Закрыто",
    "new.reachable": "Обращение №{number} зарегистрировано. Новости уйдут клиенту в {channel} ({address}).",
    "new.unreachable": "Обращение №{number} зарегистрировано. Ни один канал не достаёт клиента: сообщайте новости по телефону ({address}).",
}

desk_texts = Catalog({"en": EN, "ru": RU})
