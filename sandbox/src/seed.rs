//! Seeded, deterministic business data served by the emulated APIs: LawVu
//! matters, Logiless stores (Japanese names, enough to page through) and
//! LegalOn users, departments, user groups and spaces.

use serde_json::{json, Value};

/// LawVu legal matters for two organisations.
pub fn lawvu_matters() -> Vec<Value> {
    let rows = [
        (1001, "Acme supply agreement renewal", "Contract review", "Open", "org-id-456"),
        (1002, "Office lease – Level 12, 55 Shortland St", "Property", "Open", "org-id-456"),
        (1003, "Employment dispute – J. Doe", "Employment", "On hold", "org-id-456"),
        (1004, "GDPR data processing addendum", "Privacy", "Closed", "org-id-456"),
        (1005, "Trademark filing: TSUNAGI", "Intellectual property", "Open", "org-id-456"),
        (2001, "Shareholder agreement", "Corporate", "Open", "org-id-789"),
        (2002, "Supplier NDA – Kōwhai Ltd", "Contract review", "Closed", "org-id-789"),
    ];
    rows.iter()
        .map(|(id, name, kind, status, org)| {
            json!({
                "id": id,
                "name": name,
                "matterType": kind,
                "status": status,
                "organisationId": org,
                "createdDate": "2025-06-01T00:00:00Z",
            })
        })
        .collect()
}

/// 25 Logiless stores (sales channels) with Japanese names.
pub fn logiless_stores() -> Vec<Value> {
    let names = [
        "楽天市場店",
        "Amazon店",
        "Yahoo!ショッピング店",
        "自社ECサイト",
        "東京本店",
        "大阪梅田店",
        "名古屋栄店",
        "札幌大通店",
        "仙台駅前店",
        "横浜みなとみらい店",
        "京都四条店",
        "神戸三宮店",
        "広島本通店",
        "福岡天神店",
        "那覇国際通り店",
        "金沢香林坊店",
        "新潟万代店",
        "静岡呉服町店",
        "岡山駅前店",
        "熊本下通店",
        "鹿児島天文館店",
        "松山大街道店",
        "高松丸亀町店",
        "長野善光寺店",
        "卸売・法人窓口",
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let n = i + 1;
            json!({
                "id": n,
                "code": format!("ST{n:03}"),
                "name": name,
                "is_active": n % 7 != 0,
                "created_at": "2024-04-01T09:00:00+09:00",
                "updated_at": "2025-10-01T09:00:00+09:00",
            })
        })
        .collect()
}

const DEPARTMENTS: [&str; 8] = ["法務部", "総務部", "経営企画部", "営業部", "人事部", "経理部", "情報システム部", "知的財産部"];

/// A LegalOn collection by name (`users`, `departments`, `user-groups`, `spaces`).
pub fn legalon_collection(name: &str) -> Vec<Value> {
    match name {
        "users" => legalon_users(),
        "departments" => DEPARTMENTS
            .iter()
            .enumerate()
            .map(|(i, d)| json!({"id": format!("dep_{:03}", i + 1), "name": d, "parent_id": null, "_sandbox_rank": i}))
            .collect(),
        "user-groups" => ["契約審査チーム", "M&Aプロジェクト", "管理者"]
            .iter()
            .enumerate()
            .map(|(i, g)| json!({"id": format!("grp_{:03}", i + 1), "name": g, "member_count": 3 + i * 4, "_sandbox_rank": i}))
            .collect(),
        "spaces" => ["全社共有", "法務部専用", "取引先別"]
            .iter()
            .enumerate()
            .map(|(i, sp)| json!({"id": format!("spc_{:03}", i + 1), "name": sp, "visibility": if i == 0 { "public" } else { "restricted" }, "_sandbox_rank": i}))
            .collect(),
        _ => Vec::new(),
    }
}

/// 45 users: 9 family names × 5 given names.
fn legalon_users() -> Vec<Value> {
    let family = [
        ("佐藤", "sato"),
        ("鈴木", "suzuki"),
        ("高橋", "takahashi"),
        ("田中", "tanaka"),
        ("伊藤", "ito"),
        ("渡辺", "watanabe"),
        ("山本", "yamamoto"),
        ("中村", "nakamura"),
        ("小林", "kobayashi"),
    ];
    let given = [("花子", "hanako"), ("一郎", "ichiro"), ("美咲", "misaki"), ("健太", "kenta"), ("陽菜", "hina")];
    let mut out = Vec::new();
    for (fi, (fj, fr)) in family.iter().enumerate() {
        for (gi, (gj, gr)) in given.iter().enumerate() {
            let n = out.len() + 1;
            out.push(json!({
                "id": format!("usr_{n:04}"),
                "name": format!("{fj} {gj}"),
                "email": format!("{gr}.{fr}@legalon-sandbox.example"),
                "department_ids": [format!("dep_{:03}", (fi + gi) % DEPARTMENTS.len() + 1)],
                "status": if n % 11 == 0 { "inactive" } else { "active" },
                "_sandbox_rank": n,
            }));
        }
    }
    out
}
