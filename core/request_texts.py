"""Texts of complete requests (mail) and the status page's form, in every language."""

from __future__ import annotations

from core.i18n import Catalog

EN = {
    "request.untitled": "(no subject)",
    "created.complete": "Your request #{number} is registered: “{subject}”. To add to it, simply reply to this mail; support will answer the same way.",
    "created.type": "We have filed it as “{type}”. If it is rather something else, reply with one word: {words}.",
    "type_word.incident": "incident,problem,error",
    "type_word.consultation": "question,consultation",
    "type_word.feature_request": "feature,feature request,suggestion",
    "files.refused": "Request #{number}: these files were too large and did not reach us: {names}. Please send them smaller, split, or as a link.",
    "form.solved": "Solved",
    "form.unsolved": "Not solved",
    "form.comment": "Add a comment",
    "form.comment_placeholder": "What would you like to add?",
    "form.send": "Send",
    "form.confirm_ask": "Support has provided a solution. Did it solve your problem?",
    "form.unsolved_hint": "If it is not solved, tell us what is still wrong (optional):",
    "form.type": "Type of request",
    "form.done.solved": "Thank you! The request is closed.",
    "form.done.unsolved": "The request is reopened; support has your comment.",
    "form.done.comment": "Your comment has been added to the request.",
    "form.done.type": "The type of the request is changed.",
    "form.expired": "This form has expired. Please reload the page and try again.",
    "form.stale": "The request is no longer waiting for that (status: {status}).",
    "form.empty": "The comment is empty.",
}

RU = {
    "request.untitled": "(без темы)",
    "created.complete": "Ваше обращение №{number} зарегистрировано: «{subject}». Чтобы дополнить его, просто ответьте на это письмо; поддержка ответит так же.",
    "created.type": "Мы отнесли его к типу «{type}». Если это другое, ответьте одним словом: {words}.",
    "type_word.incident": "инцидент,проблема,ошибка",
    "type_word.consultation": "вопрос,консультация",
    "type_word.feature_request": "доработка,пожелание,предложение",
    "files.refused": "Обращение №{number}: эти файлы слишком велики и до нас не дошли: {names}. Пришлите их поменьше, частями или ссылкой.",
    "form.solved": "Решено",
    "form.unsolved": "Не решено",
    "form.comment": "Добавить комментарий",
    "form.comment_placeholder": "Что вы хотите добавить?",
    "form.send": "Отправить",
    "form.confirm_ask": "Поддержка предоставила решение. Оно решило вашу проблему?",
    "form.unsolved_hint": "Если не решено, напишите, что по-прежнему не так (необязательно):",
    "form.type": "Тип обращения",
    "form.done.solved": "Спасибо! Обращение закрыто.",
    "form.done.unsolved": "Обращение снова в работе; поддержка получила ваш комментарий.",
    "form.done.comment": "Ваш комментарий добавлен к обращению.",
    "form.done.type": "Тип обращения изменён.",
    "form.expired": "Срок действия формы истёк. Обновите страницу и попробуйте ещё раз.",
    "form.stale": "Обращение уже не ждёт этого (статус: {status}).",
    "form.empty": "Комментарий пустой.",
}

request_texts = Catalog({"en": EN, "ru": RU})
