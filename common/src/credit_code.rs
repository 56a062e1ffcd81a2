//! The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies a candidate
//! institution, and the organisation code (组织机构代码, GB 11714) embedded in it.
//!
//! A credit code is 18 characters from `0-9A-HJ-NPQRTUWXY` (31 symbols; I, O, S, V and Z are
//! never used). Position 18 is a check character over the first 17 with weights 3^i mod 31;
//! positions 9 to 17 are the 9-character organisation code, whose last character is its own
//! check (weights 3 7 9 10 5 8 4 2, modulus 11, `X` for ten). Both checks are applied, so a
//! single mistyped character is caught.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The 31 symbols of GB 32100-2015, in the order that gives each its numeric value.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of the first 17 positions: 3^i mod 31.
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the 8 body characters of an organisation code (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Why a string is not a valid credit code. Positions are 1-based, as people count them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CreditCodeError {
    #[error("must be 18 characters, found {0}")]
    Length(usize),
    #[error("character {position} ('{found}') is not allowed: use 0-9 and A-H J-N P Q R T U W X Y")]
    Character { position: usize, found: char },
    #[error("check character is '{found}' but the first 17 characters require '{expected}'")]
    CheckCharacter { expected: char, found: char },
    #[error(
        "embedded organisation code (characters 9-17) has check character '{found}' but its body requires '{expected}'"
    )]
    OrganisationCheck { expected: char, found: char },
}

/// A validated 18-character unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Validates `text` (surrounding whitespace ignored, lower case accepted and upper-cased).
    pub fn parse(text: &str) -> Result<Self, CreditCodeError> {
        let code = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length(chars.len()));
        }
        let mut values = [0u32; 18];
        for (index, &c) in chars.iter().enumerate() {
            values[index] = symbol_value(c).ok_or(CreditCodeError::Character {
                position: index + 1,
                found: c,
            })?;
        }
        check_organisation_code(&chars[8..17])?;
        let sum: u32 = values[..17]
            .iter()
            .zip(CREDIT_WEIGHTS)
            .map(|(value, weight)| value * weight)
            .sum();
        let expected = symbol((31 - sum % 31) % 31);
        if chars[17] != expected {
            return Err(CreditCodeError::CheckCharacter {
                expected,
                found: chars[17],
            });
        }
        Ok(Self(code))
    }

    /// The valid code whose two check characters (the embedded organisation code's and the
    /// code's own) complete `body`, its first 16 characters. For making test and demo data.
    pub fn complete(body: &str) -> Result<Self, CreditCodeError> {
        let mut code = format!("{}00", body.trim().to_ascii_uppercase());
        for _ in 0..2 {
            match Self::parse(&code) {
                Err(CreditCodeError::OrganisationCheck { expected, .. }) => {
                    code.replace_range(16..17, &expected.to_string());
                }
                Err(CreditCodeError::CheckCharacter { expected, .. }) => {
                    code.replace_range(17..18, &expected.to_string());
                }
                other => return other,
            }
        }
        Self::parse(&code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 9-character organisation code embedded at positions 9 to 17.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

/// Checks the GB 11714 check character of a 9-character organisation code.
fn check_organisation_code(chars: &[char]) -> Result<(), CreditCodeError> {
    let sum: u32 = chars[..8]
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(c, weight)| org_value(*c) * weight)
        .sum();
    let expected = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from_digit(digit, 10).unwrap_or('?'),
    };
    if chars[8] != expected {
        return Err(CreditCodeError::OrganisationCheck {
            expected,
            found: chars[8],
        });
    }
    Ok(())
}

fn symbol_value(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|index| index as u32)
}

fn symbol(value: u32) -> char {
    ALPHABET.as_bytes()[value as usize] as char
}

/// GB 11714 values: digits are themselves, letters count from A = 10.
fn org_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='Z' => c as u32 - 'A' as u32 + 10,
        _ => 0,
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completing_a_real_code_body_gives_the_real_code() {
        for real in [
            "123100004250015860",
            "914403001922038216",
            "12100000400002259P",
        ] {
            assert_eq!(CreditCode::complete(&real[..16]).unwrap().as_str(), real);
        }
        assert!(matches!(
            CreditCode::complete("12100000"),
            Err(CreditCodeError::Length(10))
        ));
        assert!(
            CreditCode::complete("1210000040000I82").is_err(),
            "I is not a code character"
        );
    }

    /// Codes of real institutions as published in the national enterprise credit registry.
    const REAL: [&str; 8] = [
        "12100000400000624D", // 清华大学
        "12100000400002259P", // 北京大学
        "914403001922038216", // 华为技术有限公司
        "91330100716105852F", // 阿里巴巴（中国）有限公司
        "9144030071526726XG", // 深圳市腾讯计算机系统有限公司
        "91110108551385082Q", // 北京小米科技有限责任公司
        "91110000802100433B", // 北京百度网讯科技有限公司
        "91310000132200821H", // 上海汽车集团股份有限公司
    ];

    #[test]
    fn real_registry_codes_pass() {
        for code in REAL {
            assert_eq!(
                CreditCode::parse(code).map(|c| c.to_string()),
                Ok(code.into())
            );
        }
    }

    #[test]
    fn every_single_character_change_fails() {
        for code in REAL {
            for position in 0..18 {
                for replacement in ALPHABET.chars() {
                    let mut chars: Vec<char> = code.chars().collect();
                    if chars[position] == replacement {
                        continue;
                    }
                    chars[position] = replacement;
                    let changed: String = chars.into_iter().collect();
                    assert!(
                        CreditCode::parse(&changed).is_err(),
                        "{changed} (from {code}) was accepted"
                    );
                }
            }
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(
            CreditCode::parse("1210000040000062"),
            Err(CreditCodeError::Length(16))
        );
        assert_eq!(
            CreditCode::parse("12100000400000624I"),
            Err(CreditCodeError::Character {
                position: 18,
                found: 'I'
            })
        );
        assert_eq!(
            CreditCode::parse("12100000400000624E"),
            Err(CreditCodeError::CheckCharacter {
                expected: 'D',
                found: 'E'
            })
        );
        assert!(matches!(
            CreditCode::parse("121000004000006250"),
            Err(CreditCodeError::OrganisationCheck {
                expected: '4',
                found: '5'
            })
        ));
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        let code = CreditCode::parse(" 9144030071526726xg ").unwrap();
        assert_eq!(code.as_str(), "9144030071526726XG");
        assert_eq!(code.organisation_code(), "71526726X");
    }
}
