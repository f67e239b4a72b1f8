use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use ezshare_domain::Email;

use crate::{Mail, MailError, Mailer};

/// Amazon SES v2 `SendEmail` from one verified identity. SES starts every account in its
/// sandbox, where it delivers only to verified recipients (see the README).
pub struct Ses {
    client: aws_sdk_sesv2::Client,
    from: Email,
}

impl Ses {
    /// A client from the process's SDK configuration (built once per cold start).
    pub fn new(config: &aws_config::SdkConfig, from: Email) -> Self {
        Self {
            client: aws_sdk_sesv2::Client::new(config),
            from,
        }
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(e.to_string()))
}

#[async_trait]
impl Mailer for Ses {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = Message::builder()
            .subject(content(&mail.subject)?)
            .body(Body::builder().text(content(&mail.text)?).build())
            .build();
        let sent = self
            .client
            .send_email()
            .from_email_address(self.from.as_str())
            .destination(
                Destination::builder()
                    .to_addresses(mail.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => {
                let detail = aws_sdk_sesv2::error::DisplayErrorContext(&e).to_string();
                let status = e.raw_response().map(|r| r.status().as_u16());
                // 4xx but throttling: SES refused this message (sandbox, identity, address).
                match status {
                    Some(429) | Some(500..) | None => Err(MailError::Unavailable(detail)),
                    Some(_) => Err(MailError::Rejected(detail)),
                }
            }
        }
    }
}
