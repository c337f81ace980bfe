"""E-mail over SMTP: STARTTLS or implicit TLS with authentication, a plain-text and an HTML
part, and one-click unsubscribe headers (RFC 8058: ``List-Unsubscribe`` with an https URL
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from email_validator import EmailNotValidError, validate_email

from learnwire.core.delivery import ChannelError, DeliveryChannel, DeliveryReceipt, Message

from .settings import EmailSettings


class EmailChannel(DeliveryChannel):
    name = "email"
    processor = "email"
    needs_address = True

    def __init__(self, settings: EmailSettings) -> None:
        if not settings.host:
            raise ValueError("EmailChannel needs a host")
        self.settings = settings
        self.host: str = settings.host

    def compose(self, message: Message) -> EmailMessage:
        try:
            to = validate_email(message.address, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ChannelError(
                "the person's e-mail address is not valid; correct their contact", permanent=True
            ) from None
        s = self.settings
        mail = EmailMessage()
        mail["From"] = formataddr((s.sender_name, s.sender))
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=s.sender.split("@", 1)[1])
        mail["Auto-Submitted"] = "auto-generated"
        if message.unsubscribe_url:
            targets = [f"<{message.unsubscribe_url}>"]
            if s.unsubscribe_mailto:
                targets.append(f"<mailto:{s.unsubscribe_mailto}?subject=unsubscribe>")
            mail["List-Unsubscribe"] = ", ".join(targets)
            mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    def send(self, message: Message) -> DeliveryReceipt:
        mail = self.compose(message)
        s = self.settings
        try:
            with self._connect() as smtp:
                if s.username:
                    password = s.password.get_secret_value() if s.password else ""
                    smtp.login(s.username, password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError:
            raise ChannelError(
                f"the SMTP server {s.host} refused the username or password "
                "(LEARNWIRE_PLUGINS__EMAIL__USERNAME / __PASSWORD)",
                permanent=True,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0]
            raise ChannelError(
                f"bounced: the SMTP server refused the recipient ({code})", permanent=code >= 500
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(
                f"the SMTP server answered {exc.smtp_code}", permanent=exc.smtp_code >= 500
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise ChannelError(
                f"{s.host} does not offer STARTTLS; use security = tls or a server that does",
                permanent=True,
            ) from None
        except ssl.SSLError as exc:
            raise ChannelError(f"TLS with {s.host} failed ({exc.reason})", permanent=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(
                f"could not reach {s.host}:{s.port} ({type(exc).__name__})"
            ) from None
        if refused:
            raise ChannelError("bounced: the SMTP server refused the recipient", permanent=True)
        return DeliveryReceipt(channel=self.name, delivered=True, provider_id=mail["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        if s.security == "tls":
            return smtplib.SMTP_SSL(self.host, s.port, timeout=s.timeout_seconds, context=context)
        smtp = smtplib.SMTP(self.host, s.port, timeout=s.timeout_seconds)
        if s.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=context)
            smtp.ehlo()
        return smtp
