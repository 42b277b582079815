from __future__ import annotations

from core.i18n import Catalog

EN = {
    "error.file_type": "This file cannot be sent: only PNG, JPEG or WebP images and PDF documents are accepted.",
    "error.file_size": "This file is too large: {size} MB, at most {max} MB.",
    "error.file_empty": "The file is empty.",
    "error.unauthorized": "This chat session is not valid any more. Please reload the page.",
    "error.bad_message": "This message could not be read: {reason}",
    "error.origin": "This site may not embed the support chat.",
    "email.invalid": "This does not look like an e-mail address. Please check it, for example name@example.com.",
    "email.confirm.subject": "Confirm your e-mail for replies from support",
    "email.confirm.mail": (
        "This address was left in the support chat on our site, to get replies while the chat is closed.\n\n"
        "To confirm that it is yours, open this link and press the button:\n{link}\n\n"
        "If it was not you, ignore this mail: nothing else will be sent to this address."
    ),
    "email.confirm.title": "Replies by e-mail",
    "email.confirm.ask": "Send replies from the support chat to {email} while the chat is closed?",
    "email.confirm.button": "Yes, this is my address",
    "email.confirm.done": "Confirmed: while the chat is closed, replies also go to {email}.",
    "email.confirm.unknown": "This link is not valid: it was used already or it never existed.",
    "email.confirm.failed": (
        "We could not send mail to {email} (the mail server answered: {reason}). Replies stay here in the"
        " chat; you can leave another address below."
    ),
    "demo.title": "Switchboard support desk",
    "greeting": "Hello! How can we help? Write your question here and we will register a request.",
}

RU = {
    "error.file_type": "Этот файл нельзя отправить: принимаются только изображения PNG, JPEG или WebP и документы PDF.",
    "error.file_size": "Файл слишком большой: {size} МБ, допустимо не более {max} МБ.",
    "error.file_empty": "Файл пустой.",
    "error.unauthorized": "Сессия чата больше не действительна. Перезагрузите страницу.",
    "error.bad_message": "Сообщение не удалось прочитать: {reason}",
    "error.origin": "Этому сайту не разрешено встраивать чат поддержки.",
    "email.invalid": "Это не похоже на адрес электронной почты. Проверьте его, например name@example.com.",
    "email.confirm.subject": "Подтвердите e-mail для ответов поддержки",
    "email.confirm.mail": (
        "Этот адрес оставили в чате поддержки на нашем сайте, чтобы получать ответы, когда чат закрыт.\n\n"
        "Чтобы подтвердить, что адрес ваш, откройте ссылку и нажмите кнопку:\n{link}\n\n"
        "Если это были не вы, просто не отвечайте: на этот адрес больше ничего не придёт."
    ),
    "email.confirm.title": "Ответы по электронной почте",
    "email.confirm.ask": "Присылать ответы из чата поддержки на {email}, пока чат закрыт?",
    "email.confirm.button": "Да, это мой адрес",
    "email.confirm.done": "Готово: пока чат закрыт, ответы приходят и на {email}.",
    "email.confirm.unknown": "Ссылка недействительна: ею уже воспользовались или её не было.",
    "email.confirm.failed": (
        "Не удалось отправить письмо на {email} (ответ почтового сервера: {reason}). Ответы остаются здесь, в"
        " чате; ниже можно оставить другой адрес."
    ),
    "demo.title": "Служба поддержки Switchboard",
    "greeting": "Здравствуйте! Чем можем помочь? Напишите вопрос здесь, и мы зарегистрируем обращение.",
}

texts = Catalog({"en": EN, "ru": RU})
