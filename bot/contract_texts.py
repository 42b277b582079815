"""The agents' side texts of SLA, mass incidents and ratings."""

from __future__ import annotations

from core.i18n import Catalog, Entry

EN: dict[str, Entry] = {
    "target.first_response": "first response",
    "target.resolution": "resolution",
    "sla.warning": "⏰ SLA: {target} is due in {left} (at {due} UTC). Assignee: {assignee}.",
    "sla.breach": "🔥 SLA breached: {target} was due at {due} UTC. Assignee: {assignee}.",
    "sla.breach.general": "🔥 SLA breached in #{number} “{subject}”: {target} was due at {due} UTC. Assignee: {assignee}.",
    "sla.nobody": "nobody yet",
    "sla.card.level": "Level: {value}",
    "sla.card.line": "{target}: {state}",
    "sla.left": "{left} left (due {due} UTC)",
    "sla.overdue": "overdue by {left}",
    "sla.paused": "paused, {left} left",
    "sla.met": "met",
    "mass.marked": "📢 This is a mass incident. Link tickets with /link <number>; send updates with /broadcast <text>. Linked: {linked}.",
    "mass.linked": "🔗 #{child} is linked to this mass incident. Linked: {linked}.",
    "mass.linked_to": "🔗 Linked to the mass incident #{parent}; its updates and solution reach this customer.",
    "mass.broadcast": {
        "one": "📢 Sent to {count} customer (linked tickets: {linked}); delivery report follows.",
        "other": "📢 Sent to {count} customers (linked tickets: {linked}); delivery report follows.",
    },
    "mass.reached": {
        "one": "📬 {kind}: reached {reached} of {count} customer (failed: {failed}; linked tickets: {linked}).",
        "other": "📬 {kind}: reached {reached} of {count} customers (failed: {failed}; linked tickets: {linked}).",
    },
    "mass.kind.update": "Update",
    "mass.kind.status": "Status “{status}”",
    "rating": "⭐ The customer rated the support {rating} of 5.",
    "usage.link": "Give the numbers of the tickets to link, in the mass incident's topic: /link 1042 1043",
    "usage.broadcast": "Write the update after the command, in the mass incident's topic: /broadcast Storage is being replaced.",
    "linked": "Linked: {numbers}.",
    "hours": "{hours} h {minutes} min",
    "minutes": "{minutes} min",
}

RU: dict[str, Entry] = {
    "target.first_response": "первый ответ",
    "target.resolution": "решение",
    "sla.warning": "⏰ SLA: срок «{target}» через {left} (в {due} UTC). Исполнитель: {assignee}.",
    "sla.breach": "🔥 SLA нарушен: срок «{target}» истёк в {due} UTC. Исполнитель: {assignee}.",
    "sla.breach.general": "🔥 SLA нарушен в №{number} «{subject}»: срок «{target}» истёк в {due} UTC. Исполнитель: {assignee}.",
    "sla.nobody": "пока никто",
    "sla.card.level": "Уровень: {value}",
    "sla.card.line": "{target}: {state}",
    "sla.left": "осталось {left} (до {due} UTC)",
    "sla.overdue": "просрочено на {left}",
    "sla.paused": "на паузе, осталось {left}",
    "sla.met": "выполнено",
    "mass.marked": "📢 Это массовый инцидент. Привязывайте обращения командой /link <номер>, новости — /broadcast <текст>. Привязано: {linked}.",
    "mass.linked": "🔗 №{child} привязано к этому массовому инциденту. Привязано: {linked}.",
    "mass.linked_to": "🔗 Привязано к массовому инциденту №{parent}; его новости и решение получит и этот клиент.",
    "mass.broadcast": {
        "one": "📢 Отправлено {count} клиенту (привязанных обращений: {linked}); отчёт о доставке будет позже.",
        "few": "📢 Отправлено {count} клиентам (привязанных обращений: {linked}); отчёт о доставке будет позже.",
        "many": "📢 Отправлено {count} клиентам (привязанных обращений: {linked}); отчёт о доставке будет позже.",
        "other": "📢 Отправлено {count} клиентам (привязанных обращений: {linked}); отчёт о доставке будет позже.",
    },
    "mass.reached": {
        "one": "📬 {kind}: доставлено {reached} из {count} клиента (ошибок: {failed}; привязанных обращений: {linked}).",
        "few": "📬 {kind}: доставлено {reached} из {count} клиентов (ошибок: {failed}; привязанных обращений: {linked}).",
        "many": "📬 {kind}: доставлено {reached} из {count} клиентов (ошибок: {failed}; привязанных обращений: {linked}).",
        "other": "📬 {kind}: доставлено {reached} из {count} клиентов (ошибок: {failed}; привязанных обращений: {linked}).",
    },
    "mass.kind.update": "Новость",
    "mass.kind.status": "Статус «{status}»",
    "rating": "⭐ Клиент оценил поддержку на {rating} из 5.",
    "usage.link": "Укажите номера обращений в теме массового инцидента: /link 1042 1043",
    "usage.broadcast": "Напишите новость после команды в теме массового инцидента: /broadcast Меняем хранилище.",
    "linked": "Привязано: {numbers}.",
    "hours": "{hours} ч {minutes} мин",
    "minutes": "{minutes} мин",
}

contract_texts = Catalog({"en": EN, "ru": RU})


def duration(seconds: float, language: str) -> str:
    minutes = max(int(abs(seconds) // 60), 0)
    if minutes >= 60:
        return contract_texts("hours", language, hours=minutes // 60, minutes=minutes % 60)
    return contract_texts("minutes", language, minutes=minutes)
