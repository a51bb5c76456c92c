//! The MACs of verified provenance (input `provenance-key`): made with
//! `kms:GenerateMac` and checked with `kms:VerifyMac` on an HMAC key
//! (key spec `HMAC_256`, key usage `GENERATE_VERIFY_MAC`). What a MAC is
//! made over is [`crate::provenance::mac_message`]'s; whether a resource
//! may then go is [`crate::provenance::sealed`]'s.

use aws_sdk_kms::error::ProvideErrorMetadata as _;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::MacAlgorithmSpec;

use super::error::ForOp;
use super::{Rds, RdsError};

/// The one algorithm of an `HMAC_256` key: "The MAC algorithm must be
/// compatible with the HMAC key spec" (API_GenerateMac, MacAlgorithm; the
/// HMAC_256 key spec takes HMAC_SHA_256).
const ALGORITHM: MacAlgorithmSpec = MacAlgorithmSpec::HmacSha256;

impl Rds {
    fn mac_client(&self) -> Result<(&str, &aws_sdk_kms::Client), RdsError> {
        match &self.provenance {
            Some((key, Some(kms))) => Ok((key, kms)),
            _ => Err(RdsError::Aws {
                op: "GenerateMac",
                code: "NoKmsClient".to_owned(),
                message: "input `provenance-key` is set, but this step has no KMS client"
                    .to_owned(),
            }),
        }
    }

    /// The MAC of `message` under `provenance-key`, base64 (as a tag value
    /// holds it: RDS tag values take letters, digits, `+`, `/` and `=`).
    pub async fn generate_mac(&self, message: &str) -> Result<String, RdsError> {
        let (key, kms) = self.mac_client()?;
        let output = kms
            .generate_mac()
            .key_id(key)
            .mac_algorithm(ALGORITHM)
            .message(Blob::new(message.as_bytes()))
            .send()
            .await
            .for_op("GenerateMac")?;
        let mac = output.mac().map(Blob::as_ref).unwrap_or_default();
        Ok(aws_smithy_types::base64::encode(mac))
    }

    /// Whether `mac` (base64) is the MAC of `message` under
    /// `provenance-key`. A MAC that does not verify is `false`
    /// (KMSInvalidMacException, API_VerifyMac); a refusal to check (the
    /// key disabled or missing, no permission) is an error, so nothing is
    /// deleted on a check that did not happen.
    pub async fn verify_mac(&self, message: &str, mac: &str) -> Result<bool, RdsError> {
        let (key, kms) = self.mac_client()?;
        let Ok(mac) = aws_smithy_types::base64::decode(mac) else {
            return Ok(false);
        };
        if mac.is_empty() {
            return Ok(false);
        }
        let result = kms
            .verify_mac()
            .key_id(key)
            .mac_algorithm(ALGORITHM)
            .message(Blob::new(message.as_bytes()))
            .mac(Blob::new(mac))
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.mac_valid()),
            Err(error) if error.code() == Some("KMSInvalidMacException") => Ok(false),
            Err(error) => Err(Err::<(), _>(error).for_op("VerifyMac").unwrap_err()),
        }
    }
}
