//! Property tests of the record format: every record round-trips, no input makes
//! `decode` panic (including inputs whose checksum is right, so the body parser is
//! reached), and every single-bit flip of a valid record is detected.

use proptest::prelude::*;

use super::*;

/// Failures are reported, not written as regression files next to the sources.
/// `PROPTEST_CASES` overrides the (modest) case counts for a longer hunt.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Floats whose bits matter: NaNs with payloads and signs, zeros, infinities, subnormals.
fn float_bits() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        any::<f64>().prop_map(f64::to_bits),
        Just(f64::NAN.to_bits()),
        Just((-f64::NAN).to_bits()),
        // Signalling NaN, and a quiet NaN with a payload.
        Just(0x7ff0_0000_0000_0001),
        (1u64..1 << 51).prop_map(|payload| 0x7ff8_0000_0000_0000 | payload),
        Just((-0.0f64).to_bits()),
        Just(0.0f64.to_bits()),
        Just(f64::INFINITY.to_bits()),
        Just(f64::NEG_INFINITY.to_bits()),
        Just(f64::MIN_POSITIVE.to_bits() - 1),
    ]
}

fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -300i64..300,
        Just(i64::MIN),
        Just(i64::MAX),
        Just(i64::MIN + 1),
        Just(i64::MAX - 1),
        Just(-64),
        Just(63),
    ]
}

/// Byte strings: binary ones up to a few KB, and long repetitive ones that compress.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..64),
        1 => prop::collection::vec(any::<u8>(), 0..3000),
        1 => (prop::collection::vec(any::<u8>(), 1..8), 8usize..3000).prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

fn std_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["print", "string.format", "_G", "string", "math.huge", "table.insert", ""])
            .prop_map(str::to_owned),
        any::<String>(),
    ]
}

fn stored() -> impl Strategy<Value = Stored> {
    stored_with(bytes())
}

fn stored_with(bytes: impl Strategy<Value = Vec<u8>> + 'static) -> impl Strategy<Value = Stored> {
    prop_oneof![
        Just(Stored::Nil),
        any::<bool>().prop_map(Stored::Boolean),
        integer().prop_map(Stored::Integer),
        float_bits().prop_map(Stored::Float),
        bytes.prop_map(Stored::String),
        prop_oneof![any::<u64>(), 0u64..1000].prop_map(Stored::Object),
        std_name().prop_map(Stored::Std),
    ]
}

fn upvalue() -> impl Strategy<Value = StoredUpvalue> {
    prop_oneof![
        stored().prop_map(StoredUpvalue::Own),
        (any::<u64>(), any::<u32>()).prop_map(|(closure, index)| StoredUpvalue::Shared { closure, index }),
        (0u64..100, 1u32..256).prop_map(|(closure, index)| StoredUpvalue::Shared { closure, index }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    prop_oneof![
        (stored(), prop::collection::vec((stored(), stored()), 0..24))
            .prop_map(|(metatable, entries)| Record::Table { metatable, entries }),
        (any::<u64>(), prop::collection::vec(upvalue(), 0..24))
            .prop_map(|(proto, upvalues)| Record::Closure { proto, upvalues }),
        (any::<[u8; TAG_LEN]>(), bytes()).prop_map(|(tag, bytecode)| Record::Proto { tag, bytecode }),
        meta(),
        version(),
        any::<u64>().prop_map(|budget| Record::Retention { budget }),
    ]
}

fn version() -> impl Strategy<Value = Record> {
    let cause = prop_oneof![
        Just(Cause::Run),
        Just(Cause::DuringRun),
        any::<u64>().prop_map(|of| Cause::Restore { of }),
        Just(Cause::Import),
        Just(Cause::Migration),
    ];
    (any::<[u64; 3]>(), cause, ".{0,20}", ".{0,300}", any::<[u64; 2]>()).prop_map(
        |([root, time, parent], cause, chunk, source, [records, bytes])| {
            Record::Version(Version { root, time, parent, cause, chunk, source, records, bytes })
        },
    )
}

/// Records of at most a few hundred bytes, for exhaustive bit flipping.
fn small_record() -> impl Strategy<Value = Record> {
    let small = || stored_with(prop::collection::vec(any::<u8>(), 0..12));
    prop_oneof![
        (small(), prop::collection::vec((small(), small()), 0..4))
            .prop_map(|(metatable, entries)| Record::Table { metatable, entries }),
        (any::<u64>(), prop::collection::vec(small().prop_map(StoredUpvalue::Own), 0..4))
            .prop_map(|(proto, upvalues)| Record::Closure { proto, upvalues }),
        (any::<[u8; TAG_LEN]>(), prop::collection::vec(any::<u8>(), 0..100))
            .prop_map(|(tag, bytecode)| Record::Proto { tag, bytecode }),
        // Compressible: exercises flipped bits inside an LZ4 body.
        (any::<[u8; TAG_LEN]>(), any::<u8>(), 64usize..200)
            .prop_map(|(tag, byte, n)| { Record::Proto { tag, bytecode: vec![byte; n] } }),
        meta(),
    ]
}

fn meta() -> impl Strategy<Value = Record> {
    (any::<u64>(), any::<u64>(), any::<[u8; SECRET_LEN]>(), any::<u64>())
        .prop_map(|(root, next_id, secret, version)| Record::Meta(Meta { root, next_id, secret, version }))
}

/// `content` with a correct CRC-32 trailer appended.
fn sealed(mut content: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&content);
    content.extend_from_slice(&crc.to_le_bytes());
    content
}

/// Whatever `decode` accepts, it accepts again once written back: a decoded record is
/// a record the writer can express.
fn check_decoded(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(record) = decode(bytes) {
        prop_assert_eq!(decode(&encode(&record)), Ok(record));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn every_record_round_trips(record in record()) {
        let bytes = encode(&record);
        prop_assert_eq!(bytes[0], FORMAT_VERSION);
        // R4: compressed exactly when that made a body of 64 bytes or more smaller.
        let stored_body = &bytes[3..bytes.len() - 4];
        if bytes[2] & FLAG_LZ4 != 0 {
            let body = decompress(stored_body).unwrap();
            prop_assert!(body.len() >= COMPRESS_MIN);
            prop_assert!(stored_body.len() < body.len());
        } else {
            prop_assert_eq!(bytes[2], 0);
            if stored_body.len() >= COMPRESS_MIN {
                prop_assert!(lz4_flex::compress_prepend_size(stored_body).len() >= stored_body.len());
            }
        }
        prop_assert_eq!(decode(&bytes), Ok(record));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let result = decode(&bytes);
        if bytes.len() < RECORD_OVERHEAD {
            prop_assert_eq!(result, Err(DecodeError::Truncated));
        }
        check_decoded(&bytes)?;
    }

    /// A valid header and a valid CRC around an arbitrary body: the checksum passes,
    /// so the body parser and the LZ4 decoder see the garbage.
    #[test]
    fn arbitrary_bodies_with_valid_checksums_never_panic(
        kind in prop_oneof![4 => 1u8..=6, 1 => any::<u8>()],
        flags in prop_oneof![4 => 0u8..=1, 1 => any::<u8>()],
        body in prop::collection::vec(any::<u8>(), 0..2000),
    ) {
        let bytes = sealed([&[FORMAT_VERSION, kind, flags][..], &body].concat());
        let result = decode(&bytes);
        if !(1..=6).contains(&kind) && flags == 0 {
            prop_assert_eq!(result.clone(), Err(DecodeError::Kind(kind)));
        }
        if flags & !FLAG_LZ4 != 0 {
            prop_assert_eq!(result, Err(DecodeError::Malformed("unknown flags")));
        }
        check_decoded(&bytes)?;
    }

    /// Garbage that passes both the checksum and LZ4: a valid compressed block of an
    /// arbitrary body, so the value parser runs on decompressed garbage too.
    #[test]
    fn arbitrary_compressed_bodies_never_panic(
        kind in 1u8..=4,
        body in prop::collection::vec(any::<u8>(), 0..2000),
    ) {
        let packed = lz4_flex::compress_prepend_size(&body);
        let bytes = sealed([&[FORMAT_VERSION, kind, FLAG_LZ4][..], &packed].concat());
        check_decoded(&bytes)?;
    }

    /// Valid records damaged past the checksum: bytes of the body (before or after
    /// decompression) overwritten, inserted or cut, with the CRC recomputed.
    #[test]
    fn damaged_bodies_with_valid_checksums_never_panic(
        record in record(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8),
        inside_compression in any::<bool>(),
    ) {
        let bytes = encode(&record);
        let (kind, flags) = (bytes[1], bytes[2]);
        let compressed = flags & FLAG_LZ4 != 0;
        let mut body = bytes[3..bytes.len() - 4].to_vec();
        if compressed && inside_compression {
            body = decompress(&body).unwrap();
        }
        for (at, byte, op) in edits {
            let at = at.index(body.len() + 1);
            match op {
                0 if at < body.len() => body[at] = byte,
                1 => body.insert(at, byte),
                2 if at < body.len() => {
                    body.remove(at);
                }
                _ => body.truncate(at),
            }
        }
        if compressed && inside_compression {
            body = lz4_flex::compress_prepend_size(&body);
        }
        let damaged = sealed([&[FORMAT_VERSION, kind, flags][..], &body].concat());
        check_decoded(&damaged)?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// R5: CRC-32 detects every single-bit error, wherever it is, checksum included.
    #[test]
    fn every_single_bit_flip_is_detected(record in record(), bit in any::<prop::sample::Index>()) {
        let mut bytes = encode(&record);
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(decode(&bytes), Err(DecodeError::Checksum));
    }

    /// The same, exhaustively over every bit of one record per case.
    #[test]
    fn no_bit_of_a_small_record_can_flip_unnoticed(record in small_record()) {
        let bytes = encode(&record);
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            prop_assert_eq!(decode(&flipped), Err(DecodeError::Checksum), "bit {}", bit);
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// A compressed record whose prepended size is rewritten (CRC fixed): a claim
    /// smaller than the real size is refused, never a panic in the LZ4 decoder. A
    /// larger claim is tolerated today (LZ4 stops at the real end), but must never
    /// yield anything but the original record.
    #[test]
    fn a_wrong_uncompressed_size_never_misreads(
        unit in prop::collection::vec(any::<u8>(), 1..8),
        n in 64usize..500,
        claim in any::<prop::sample::Index>(),
        larger in any::<u32>(),
    ) {
        let record = Record::Proto { tag: [3; TAG_LEN], bytecode: unit.repeat(n) };
        let bytes = encode(&record);
        prop_assert_eq!(bytes[2], FLAG_LZ4);
        let packed = &bytes[3..bytes.len() - 4];
        let size = u32::from_le_bytes(packed[..4].try_into().unwrap()) as usize;
        let with_claim = |claim: u32| {
            let body = [&claim.to_le_bytes()[..], &packed[4..]].concat();
            sealed([&bytes[..3], &body].concat())
        };
        let smaller = claim.index(size) as u32;
        prop_assert!(decode(&with_claim(smaller)).is_err(), "claimed {} of {}", smaller, size);
        let larger = with_claim(size as u32 + 1 + larger % 1000);
        let result = decode(&larger);
        prop_assert!(result.is_err() || result == Ok(record));
    }
}
