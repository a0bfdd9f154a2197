"""Japanese and English for every word the dashboards show.

The language is the user's choice, kept in their session; until they choose, the hub's
`ui_language` setting. Numbers, ids and names from the data are never translated.
"""

from __future__ import annotations

from flask import current_app, session

LANGUAGES = ("ja", "en")

TEXT: dict[str, tuple[str, str]] = {  # key: (ja, en)
    "app": ("CRSA ハブ", "CRSA hub"),
    "your.collections": ("利用できるコレクション", "Your collections"),
    "taxii.help": (
        "TAXII 2.1 クライアント（例: taxii2-client）で、発行されたトークンを使って接続します。",
        "Connect with a TAXII 2.1 client (for example taxii2-client) and the token you"
        " were issued.",
    ),
    "alias": ("別名", "Alias"),
    "n.records": ("{n} 件", "{n} records"),
    "n.findings": ("検出 {n} 件", "{n} findings"),
    "n.hosts": ("ホスト {n} 台", "{n} hosts"),
    "criticality": ("重要度", "Criticality"),
    "criticality.low": ("低", "low"),
    "criticality.moderate": ("中", "moderate"),
    "criticality.high": ("高", "high"),
    "chain.head": ("チェーンの先頭", "Chain head"),
    "export.choose": ("エクスポートを選択", "Choose an export"),
    "ntia.missing": ("NTIA 最小要素の欠落", "Missing NTIA minimum elements"),
    "current": ("最新版", "Current"),
    "not.upload": ("ファイルのアップロードではありません", "not a file upload"),
    "top.points": ("最優先の対応で減るリスク点", "Risk points the top action removes"),
    "status.open": ("未対応", "open"),
    "status.in_progress": ("対応中", "in progress"),
    "status.done": ("完了", "done"),
    "status.accepted_risk": ("リスク受容", "risk accepted"),
    "diff.older": ("比較元（古い版）", "Older version"),
    "diff.newer": ("比較先（新しい版）", "Newer version"),
    "diff.subjects": ("異なる対象の比較", "Comparing two different subjects"),
    "collection": ("コレクション", "Collection"),
    "may.read": ("読み取り", "May read"),
    "may.write": ("書き込み", "May write"),
    "yes": ("可", "yes"),
    "no": ("不可", "no"),
    "types": ("種別", "Types"),
    "login": ("ログイン", "Log in"),
    "logout": ("ログアウト", "Log out"),
    "token": ("アクセストークン", "Access token"),
    "login.help": (
        "`crsa token add` またはデモが表示したトークンを入力してください。",
        "Enter a token from `crsa token add`, or one the demo printed.",
    ),
    "login.bad": ("トークンが無効か失効しています。", "That token is invalid or revoked."),
    "login.expired": (
        "ログイン画面の有効期限が切れました。もう一度お試しください。",
        "The login page had expired: please try again.",
    ),
    "overview": ("全体概況", "National overview"),
    "agency": ("府省庁", "Agency"),
    "asset": ("資産", "Asset"),
    "vulns": ("脆弱性", "Vulnerabilities"),
    "sbom": ("SBOM", "SBOM"),
    "sharing": ("脅威情報共有", "Threat sharing"),
    "triage": ("トリアージ", "Triage queue"),
    "audit": ("監査とエクスポート", "Audit and export"),
    "nation": ("全体のリスク", "National risk"),
    "points": ("リスク点", "Risk points"),
    "grade": ("リスク指数（0-100、高いほど危険）", "Risk index (0-100, higher is worse)"),
    "band.A": ("低", "low"),
    "band.B": ("注意", "guarded"),
    "band.C": ("警戒", "elevated"),
    "band.D": ("高", "high"),
    "band.E": ("深刻", "severe"),
    "per.asset": ("資産あたりリスク点", "Risk points per asset"),
    "severity.critical": ("緊急", "critical"),
    "severity.high": ("重要", "high"),
    "severity.medium": ("警告", "medium"),
    "severity.low": ("注意", "low"),
    "severity.none": ("なし", "none"),
    "severity.unknown": ("評価なし", "unrated"),
    "severity.info": ("通知", "notice"),
    "notices": (
        "通知（保守終了・健全性の問題など。脆弱性ではありません）",
        "Notices (unmaintained, unsound: not vulnerabilities)",
    ),
    "open.findings": ("未対応の検出（深刻度別）", "Open findings by severity"),
    "unrated.findings": ("評価なしの未対応検出", "Unrated open findings"),
    "notice.findings": ("通知の未対応検出", "Open notices"),
    "agencies": ("府省庁数", "Agencies"),
    "kev.overdue": ("期限超過の KEV", "Overdue KEV findings"),
    "trend": ("推移", "Trend"),
    "feeds": ("フィードの鮮度", "Feed freshness"),
    "feed": ("フィード", "Feed"),
    "synced": ("最終同期", "Last synced"),
    "records": ("件数", "Records"),
    "never": ("未同期", "never"),
    "ranked": ("府省庁別リスク（高い順）", "Agencies by risk, highest first"),
    "systems": ("システム", "Systems"),
    "assets": ("資産", "Assets"),
    "all.systems": ("すべてのシステム", "All systems"),
    "breakdown": ("スコアの内訳", "Why the score is what it is"),
    "history": ("履歴", "History"),
    "reason": ("理由", "Reason"),
    "unjudged": ("判定できなかった構成要素", "Components not judged"),
    "unjudged.help": (
        "識別できない、または脆弱性情報の版の規則で評価できない構成要素です。",
        "Components no advisory can name, or whose versions an advisory's rules cannot"
        " order: coverage gaps to close with better purls.",
    ),
    "name": ("名前", "Name"),
    "hostname": ("ホスト名", "Hostname"),
    "os": ("OS", "OS"),
    "last.seen": ("最終確認", "Last seen"),
    "prev": ("前へ", "Previous"),
    "next": ("次へ", "Next"),
    "software": ("ソフトウェア", "Software"),
    "findings": ("検出事項", "Findings"),
    "sightings": ("サイティング", "Sightings"),
    "timeline": ("タイムライン", "Timeline"),
    "severity": ("深刻度", "Severity"),
    "status": ("状態", "Status"),
    "due": ("対応期限", "Due"),
    "vulnerability": ("脆弱性", "Vulnerability"),
    "package": ("パッケージ", "Package"),
    "version": ("バージョン", "Version"),
    "first.seen": ("初回確認", "First seen"),
    "kev.only": ("悪用が確認された (KEV) もののみ", "Exploited (KEV) only"),
    "hosts": ("ホスト数", "Hosts"),
    "submissions": ("提出された SBOM", "Submitted SBOMs"),
    "quality": ("NTIA 品質", "NTIA quality"),
    "components": ("コンポーネント", "Components"),
    "format": ("形式", "Format"),
    "submitted": ("提出日時", "Submitted"),
    "subject": ("対象", "Subject"),
    "vulnerable": ("脆弱なコンポーネント", "Vulnerable components"),
    "diff": ("版の差分", "Diff between versions"),
    "added": ("追加", "Added"),
    "removed": ("削除", "Removed"),
    "changed": ("変更", "Changed"),
    "upload": ("SBOM をアップロード（CycloneDX / SPDX）", "Upload an SBOM (CycloneDX / SPDX)"),
    "upload.drop": ("ファイルをドロップまたは選択", "Drop or choose a file"),
    "system": ("システム", "System"),
    "in.out": ("共有された指標（パートナー・TLP 別）", "Indicators in and out, by partner and TLP"),
    "objects": ("オブジェクト", "Objects"),
    "direction": ("方向", "Direction"),
    "in": ("受信", "in"),
    "out": ("送信", "out"),
    "partner": ("パートナー", "Partner"),
    "partner.feeds": ("パートナーフィードの同期状況", "Partner feed sync status"),
    "error": ("エラー", "Error"),
    "indicator": ("指標", "Indicator"),
    "active": ("有効", "Active"),
    "actions": ("対応（優先順）", "Actions, worst first"),
    "rank": ("順位", "Rank"),
    "title": ("対応", "Action"),
    "set.status": ("状態を変更", "Set status"),
    "apply": ("適用", "Apply"),
    "owner": ("担当", "Owner"),
    "playbook": ("プレイブック", "Playbook"),
    "kind": ("種類", "Kind"),
    "tags": ("タグ", "Tags"),
    "export": ("監査用エクスポートを作成", "Create an auditor export"),
    "verify": ("エクスポートを検証（ZIP）", "Verify an export (ZIP)"),
    "audit.log": ("監査ログ", "Audit log"),
    "chain": ("ハッシュチェーン", "Hash chain"),
    "chain.ok": ("改ざんなし", "intact"),
    "chain.broken": ("破損", "broken"),
    "action": ("操作", "Action"),
    "actor": ("実行者", "Actor"),
    "target": ("対象", "Target"),
    "at": ("日時", "At"),
    "not.found": ("見つからないか、閲覧権限がありません。", "Not found, or not yours to see."),
    "no.score": ("スコアはまだ記録されていません。", "No score recorded yet."),
    "summary": ("要約", "Summary"),
    "filter": ("絞り込み", "Filter"),
    "all": ("すべて", "All"),
    "language": ("English", "日本語"),
    "contributions": ("寄与", "Contributions"),
    "verified": ("検証に成功しました", "Verified"),
    "failed": ("検証に失敗しました", "Verification failed"),
    "saved": ("保存しました", "Saved"),
    "refused": ("受け付けられませんでした", "Refused"),
}


def language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return str(current_app.extensions["crsa"].settings.ui_language)


# dash-ag-grid's own words (paging, filters, empty grids), in Japanese: the grid shows its
# English ones when given none.
GRID_TEXT: dict[str, str] = {
    "noRowsToShow": "表示する行はありません",
    "loadingOoo": "読み込み中...",
    "page": "ページ",
    "of": "/",
    "to": "～",
    "more": "以上",
    "first": "最初",
    "last": "最後",
    "next": "次へ",
    "previous": "前へ",
    "pageSizeSelectorLabel": "1ページの行数:",
    "ariaPageSizeSelectorLabel": "1ページの行数",
    "filterOoo": "絞り込み...",
    "searchOoo": "検索...",
    "equals": "等しい",
    "notEqual": "等しくない",
    "contains": "含む",
    "notContains": "含まない",
    "startsWith": "で始まる",
    "endsWith": "で終わる",
    "blank": "空白",
    "notBlank": "空白でない",
    "lessThan": "より小さい",
    "greaterThan": "より大きい",
    "lessThanOrEqual": "以下",
    "greaterThanOrEqual": "以上",
    "inRange": "範囲内",
    "andCondition": "かつ",
    "orCondition": "または",
    "applyFilter": "適用",
    "resetFilter": "リセット",
    "clearFilter": "クリア",
    "cancelFilter": "キャンセル",
    "selectAll": "すべて選択",
}


def grid_text() -> dict[str, str]:
    """The grid's words in the reader's language (English is the grid's own)."""
    return GRID_TEXT if language() == "ja" else {}


def count(key: str, n: int) -> str:
    """A number with what it counts, as each language puts it ("32 件", "32 records")."""
    return t(f"n.{key}").format(n=f"{n:,}")


def t(key: str) -> str:
    ja, en = TEXT[key]
    return ja if language() == "ja" else en
