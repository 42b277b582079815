"""Config templates for the test mail servers (`tests/support/mailservers.py` fills them in)."""

from __future__ import annotations

# Dovecot 2.3: IMAP (plain+STARTTLS and IMAPS), LMTP for Postfix, and its auth service on TCP so
# Postfix can check SMTP logins (SASL) against the same users. Every path below the temp dir.
DOVECOT_CONF = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = sbm-{imap_port}
log_path = {root}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose; no delay, no penalty.
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%d/%n
mail_uid = {uid}
mail_gid = {uid}
first_valid_uid = {uid}
first_valid_gid = {uid}
mail_max_userip_connections = 200
# Test mail needs no crash safety; without fsync a delivery or APPEND is several times faster.
mail_fsync = never
# Tests re-issue IDLE and expect new mail to show within a second.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/mail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
service auth {{
  inet_listener {{
    address = 127.0.0.1
    port = {auth_port}
  }}
}}
service anvil {{
  # No penalty for failed logins (the anvil-auth-penalty socket off).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol lmtp {{
  # Deliver to the full address (the passwd-file users are full addresses).
  auth_username_format = %Lu
}}
"""

# Postfix 3.x: one virtual domain delivered to Dovecot over LMTP; nothing leaves the machine.
POSTFIX_MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
maillog_file = {root}/postfix.log
maillog_file_prefixes = {root}
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{domain}
mydomain = {domain}
myorigin = {domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
virtual_mailbox_domains = {domain}
virtual_mailbox_maps = texthash:{root}/postfix/mailboxes
virtual_transport = lmtp:inet:127.0.0.1:{servers.lmtp_port}
default_transport = error:this test server delivers only to {domain}
smtpd_recipient_restrictions = check_recipient_access texthash:{root}/postfix/access
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{servers.auth_port}
smtpd_tls_cert_file = {root}/cert.pem
smtpd_tls_key_file = {root}/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_banner = $myhostname ESMTP
# Quick feedback in tests: no waits after errors, mail queued for a down Dovecot retried soon.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
lmtp_connection_cache_on_demand = yes
biff = no
"""

# Written from scratch: Debian's stock master.cf chroots, which a temp-dir instance cannot.
MASTER_CF = """\
127.0.0.1:{servers.smtp_port} inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=yes
127.0.0.1:{servers.smtps_port} inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""
