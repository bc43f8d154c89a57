//! Pinned vectors, computed once with py-tlsh 5.0.0 and python-threatexchange 1.2.17, so that
//! bit-exactness is checked without Python too (`tests/reference.rs` compares with the live
//! references on many more inputs).

use vigie_text::{raw_text_compare, raw_text_normalise, tlsh, tlsh_distance, tlsh_distance_without_length};

/// The bytes of a 31-bit linear congruential generator (glibc's constants), high byte first.
fn lcg(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = (x * 1_103_515_245 + 12_345) % (1 << 31);
            ((x >> 16) & 0xff) as u8
        })
        .collect()
}

fn digest(bytes: &[u8]) -> String {
    vigie_text::Tlsh::of(bytes).map_or_else(|| "TNULL".to_owned(), |t| t.to_string())
}

/// python-threatexchange's own `text_tlsh` example.
const PREAMBLE: &str = "We the People of the United States, in Order to form a more perfect Union, establish Justice, ensure domestic Tranquility, provide for the common defence, promote the general Welfare, and secure the Blessings of Liberty to ourselves and our Posterity, do ordain and establish this Constitution for the United States of America.";

#[test]
fn tlsh_digests_match_py_tlsh() {
    assert_eq!(tlsh(PREAMBLE).unwrap(), "T117E0263B60802F6B4A401074669D39E0FA5D812E726B4A081C0A812783CAC26892EAC5");
    for (len, expected) in [
        (50, "T1009002052505D5014106EAA908EC718951100296E20C122194101553C5501188780046"),
        (100, "T125B012465415D9028005EB9C24A838844B1601E7E55C36A35430182282D0284CA804A5"),
        (1000, "T1D71198D7171DD7C30188165823F51568B7597773DBEC311F40200960EEF0B9780AD169"),
        (10000, "T1E022BEFF2B0CE3D1184CF91153694BA8AF42AB67CACA382AFC14446185647C361CFC8A"),
        (300_000, "T1B454237B318B40FF69D5AA9FE20921342587DF3B6421091B64F22F45B43199C37EBDA2"),
    ] {
        assert_eq!(digest(&lcg(len, 1)), expected, "{len} bytes");
    }
    let russian = "Члены соседского комитета обсуждают новый график вывоза мусора до конца месяца. Необходимо обсудить крытый рынок общины в течение двух недель.";
    let arabic = "أعضاء لجنة حي عين الورد يناقشون الميزانية الجديدة قبل نهاية الشهر. من الضروري مناقشة خط الحافلات في الموسم المقبل.";
    assert_eq!(tlsh(russian).unwrap(), "T18DD02E60D0AEB0820244B917F449BE8A38B4407E049AA38318402EBA34E6020C82AB2E");
    assert_eq!(tlsh(arabic).unwrap(), "T152D022D20D0A401100029F0FC0B23039EC31FC278F6FFD3028820C321042546E14D03A");
    assert_eq!(digest(&[b'a'; 49]), "TNULL");
    assert_eq!(digest(&(0..49).collect::<Vec<u8>>()), "TNULL");
}

#[test]
fn tlsh_distances_match_py_tlsh() {
    let a = digest(&lcg(1000, 1));
    let b = digest(&lcg(1000, 2));
    let c = digest(&lcg(10000, 1));
    assert_eq!((tlsh_distance(&a, &b), tlsh_distance_without_length(&a, &b)), (Some(227), Some(227)));
    assert_eq!((tlsh_distance(&a, &c), tlsh_distance_without_length(&a, &c)), (Some(401), Some(197)));
}

#[test]
fn raw_text_matches_python_threatexchange() {
    for (text, expected) in [
        ("ǅemal Ⅻ ½ ² x²", "dzemalxii122x2"),
        ("ΣΑΣ", "σας"),
        ("ab\u{1}c", "ac"),
        ("Crème Brûlée, s'il vous plaît!", "cremebruleesilvousplait"),
        ("ﬁnal ﬀ ①②", "finalff12"),
    ] {
        assert_eq!(raw_text_normalise(text), expected, "{text:?}");
    }
    let edited = PREAMBLE.replace("Justice", "justise").replace("Union", "onion");
    let m = raw_text_compare(PREAMBLE, &edited).expect("a match");
    assert_eq!((m.distance, m.signal_len), (2, 268));
}
