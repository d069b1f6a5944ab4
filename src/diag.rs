//! Diagnostics: the one place where every code of rules.md is defined.
//!
//! Scripts match on codes, so the string of each code and its severity live
//! here and nowhere else; callers build messages, never codes.

use serde::Serialize;
use std::fmt;

use crate::lang::Lang;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Severity::Error, Lang::Zh) => "错误",
            (Severity::Warning, Lang::Zh) => "警告",
            (Severity::Note, Lang::Zh) => "提示",
            (Severity::Error, Lang::En) => "error",
            (Severity::Warning, Lang::En) => "warning",
            (Severity::Note, Lang::En) => "note",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A code of a county's own (`local.…`), declared by a check in its schema
/// set: the code, its severity and what it means. Made once when the
/// schema set loads and kept for the life of the process, like the
/// built-in codes.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalCode {
    pub code: &'static str,
    pub severity: Severity,
    pub zh: &'static str,
    pub en: &'static str,
}

/// The namespace of a county's own codes.
pub const LOCAL_PREFIX: &str = "local.";

impl LocalCode {
    /// A declared code, kept for the life of the process. The same
    /// declaration made again (a schema set loaded twice) gives the same code.
    pub fn declare(code: &str, severity: Severity, zh: &str, en: &str) -> Code {
        use std::sync::{Mutex, OnceLock};
        static MADE: OnceLock<Mutex<Vec<&'static LocalCode>>> = OnceLock::new();
        let mut made = MADE
            .get_or_init(Default::default)
            .lock()
            .expect("not poisoned");
        if let Some(l) = made
            .iter()
            .find(|l| l.code == code && l.severity == severity && l.zh == zh && l.en == en)
        {
            return Code::Local(l);
        }
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        let l: &'static LocalCode = Box::leak(Box::new(LocalCode {
            code: leak(code),
            severity,
            zh: leak(zh),
            en: leak(en),
        }));
        made.push(l);
        Code::Local(l)
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $zh:literal, $en:literal; )*) => {
        /// Every diagnostic code pbstat emits (rules.md), with its default
        /// severity; `Local` is a code a county declares in its schema set.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* Local(&'static LocalCode) }

        impl Code {
            /// Every code, in the table's order (docs/codes.md lists them so).
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* Code::Local(l) => l.code }
            }
            /// When the code is raised, in the given language.
            pub fn meaning(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Code::$variant, Lang::Zh) => $zh, (Code::$variant, Lang::En) => $en, )*
                    (Code::Local(l), Lang::Zh) => l.zh,
                    (Code::Local(l), Lang::En) => l.en,
                }
            }
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* Code::Local(l) => l.severity }
            }
            pub fn parse(s: &str) -> Option<Code> {
                match s { $( $code => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    FileUnreadable = "file.unreadable", Error, "文件打不开：已损坏、加密、不完整，或内容与扩展名不符", "the file cannot be read: damaged, encrypted, cut short, or not what its extension says";
    FileUnsupported = "file.unsupported", Error, "pbstat 不读这种扩展名的文件", "pbstat does not read files with this extension";
    FileTooLarge = "file.too_large", Error, "文件或工作表超过设定的大小、解压后大小或单元格数上限（含压缩炸弹）", "the file or a sheet is over the configured size, unpacked size or cell limit (zip bombs included)";
    FileEncoding = "file.encoding", Error, "CSV 既不是 UTF-8 也不是 GB18030 编码", "a CSV file in neither UTF-8 nor GB18030";
    FileDuplicateSubmission = "file.duplicate_submission", Error, "同一单位同一报告期交了两份（或更多）报表", "two or more files from one organisation for one period";
    SheetMissing = "sheet.missing", Error, "缺少本级单位必须填报的工作表", "a sheet this organisation's level must carry is absent";
    SheetUnknown = "sheet.unknown", Note, "pbstat 不使用的工作表（不影响汇总）", "a sheet pbstat does not use (aggregation is not affected)";
    SheetMatchedByHeader = "sheet.matched_by_header", Note, "工作表名不是标准名称，按表头认出了它是哪张台账", "a sheet with a non-standard name, recognised by its header";
    SheetEmpty = "sheet.empty", Warning, "台账工作表有表头但没有数据行", "a ledger sheet with a header and no data rows";
    HeaderNotFound = "header.not_found", Error, "前 30 行中找不到与表样相符的表头", "no header row matching the form in the first 30 rows";
    HeaderMissingColumn = "header.missing_column", Error, "缺少必填的列", "a required column is absent";
    HeaderDuplicateColumn = "header.duplicate_column", Error, "两列对应同一个字段", "two columns map to the same field";
    HeaderUnknownColumn = "header.unknown_column", Warning, "表样中没有的列（其内容不汇总）", "a column the form does not know (its content is not counted)";
    CoverMissingField = "cover.missing_field", Error, "封面缺少必填项（填表人、负责人为警告，其余为错误）", "a required cover field is blank (a warning for 填表人 and 负责人, else an error)";
    CoverPeriodMismatch = "cover.period_mismatch", Error, "封面的报告期不是本次处理的报告期", "the cover's period is not the period being processed";
    CoverUnknownOrg = "cover.unknown_org", Error, "封面的单位代码不在报送单位名录中", "the cover's organisation code is not in the registry";
    CoverNameMismatch = "cover.name_mismatch", Warning, "封面的单位名称与名录不一致", "the cover's name differs from the registry's";
    CoverKindMismatch = "cover.kind_mismatch", Error, "工作簿的工作表与单位的层级不相符", "the workbook's sheets do not fit the organisation's level";
    CellRequired = "cell.required", Error, "必填单元格为空", "a required cell is blank";
    CellType = "cell.type", Error, "单元格内容读不成该列的类型（数字、整数、日期等）", "the cell cannot be read as its column's type (number, integer, date …)";
    CellEnum = "cell.enum", Error, "不是允许的取值之一（提示中列出可选值）", "not one of the allowed values (the message lists them)";
    CellRange = "cell.range", Error, "超出该列的最小值或最大值", "outside the column's minimum or maximum";
    CellFormulaError = "cell.formula_error", Error, "单元格是 Excel 错误值（#DIV/0!、#REF! 等）", "the cell holds an Excel error value (#DIV/0!, #REF! …)";
    IdChecksum = "id.checksum", Error, "身份证号校验码不对", "the ID number's check character is wrong";
    IdFormat = "id.format", Error, "身份证号不是 18 位或形式不对", "the ID number is not 18 characters of the right shape";
    IdBirthdate = "id.birthdate", Error, "身份证号中的出生日期不存在，或晚于报告期末", "the ID number's birth date is impossible or after the period end";
    IdGenderMismatch = "id.gender_mismatch", Warning, "性别与身份证号不符", "性别 contradicts the ID number";
    UsccChecksum = "uscc.checksum", Error, "统一社会信用代码校验码不对", "the unified social credit code's check character is wrong";
    UsccFormat = "uscc.format", Error, "统一社会信用代码不是 18 位代码字符", "not 18 characters of the credit code's alphabet";
    CodeFormat = "code.format", Error, "单位代码形式不对", "an organisation code of the wrong shape";
    CodeHierarchy = "code.hierarchy", Error, "单位代码的前缀与上级不符", "a code whose prefix does not match its parent's";
    DateOutOfPeriod = "date.out_of_period", Error, "应在报告期内的日期不在报告期内", "a date that must lie inside the period does not";
    DateAfterPeriod = "date.after_period", Error, "日期晚于报告期末", "a date after the period end";
    RowDuplicateKey = "row.duplicate_key", Error, "关键列（名册中的身份证号、事项编号等）重复", "a key (an ID number in a roster, 事项编号 in issues …) repeats";
    MeetingAttendanceExceedsExpected = "meeting.attendance_exceeds_expected", Error, "实到人数多于应到人数", "实到人数 greater than 应到人数";
    IssueResolvedDateMissing = "issue.resolved_date_missing", Error, "已办结却没有办结日期", "已办结 without 办结日期";
    IssueResolvedDateUnexpected = "issue.resolved_date_unexpected", Error, "未办结的事项填了办结日期", "办结日期 on an item not 已办结";
    IssueResolvedBeforeReceived = "issue.resolved_before_received", Error, "办结日期早于受理日期", "办结日期 earlier than 受理日期";
    IssueRatingUnresolved = "issue.rating_unresolved", Error, "未办结的事项填了满意度", "a satisfaction rating on an item not 已办结";
    RosterHoursImplausible = "roster.hours_implausible", Warning, "服务时长超过服务次数 × 24 小时", "service hours above 24 × the number of services";
    TotalMismatch = "total.mismatch", Error, "合计行与上面各行之和不等", "a 合计 row differs from the sum of the rows above it";
    PartTimeCountMismatch = "part_time.count_mismatch", Warning, "社区封面的兼职委员数与兼职委员表的行数不同", "a community's cover 兼职委员数 differs from its 兼职委员 rows";
    GridCountMismatch = "grid.count_mismatch", Warning, "封面的网格数与网格表的行数不同", "the cover's 网格数 differs from the 网格 rows";
    GridHouseholdsExceed = "grid.households_exceed", Warning, "网格表各行户数之和多于封面的总户数", "the 网格 rows' 户数 add up to more than the cover's 总户数";
    GridExceedsCollected = "grid.exceeds_collected", Error, "办结数，或解决问题数与上报事项之和，多于收集社情民意", "办结数, or 解决问题数 + 上报事项, greater than 收集社情民意";
    GridSolvedExceedsClosed = "grid.solved_exceeds_closed", Error, "解决问题数多于办结数", "解决问题数 greater than 办结数";
    GridUnknown = "grid.unknown", Warning, "应急求助行写的网格编号不在本报表的网格表中", "an 应急求助 row names a 网格编号 not on the submission's 网格 sheet";
    ResponseDateMismatch = "response.date_mismatch", Error, "求助时间所带的日期与该行日期不同", "求助时间 carries a date other than the row's 日期";
    ResponseTimeOrder = "response.time_order", Error, "联系上时间或到场时间早于求助时间（已按次日规则读过）", "联系上时间 or 到场时间 earlier than 求助时间, after the next-day reading";
    ResponseNextDay = "response.next_day", Note, "早于求助时间的时刻按次日读取", "a clock time earlier than 求助时间 was read as the next day";
    ResponseDurationImplausible = "response.duration_implausible", Warning, "联系上或到场时间在求助时间 24 小时之后", "联系上时间 or 到场时间 more than 24 hours after 求助时间";
    ResponseArrivalMissing = "response.arrival_missing", Error, "现场处置却没有到场时间", "现场处置 without 到场时间";
    ResponseArrivalUnexpected = "response.arrival_unexpected", Error, "电话处置的行填了到场时间", "a 到场时间 on a 电话处置 row";
    RepresentativePopulationMissing = "representative.population_missing", Warning, "报了社区代表表、封面却没有社区总人口（不核定名额）", "a 社区代表 sheet from a community whose cover gives no 社区总人口 (its quota is not judged)";
    NeedClaimerMissing = "need.claimer_missing", Error, "已认领或已完成的需求没有认领单位", "a need 已认领 or 已完成 without 认领单位";
    NeedDoneDateMissing = "need.done_date_missing", Error, "已完成的需求没有完成日期", "已完成 without 完成日期";
    NeedDoneDateUnexpected = "need.done_date_unexpected", Error, "未完成的需求填了完成日期", "完成日期 on a need not 已完成";
    NeedDoneBeforeRaised = "need.done_before_raised", Error, "完成日期早于征集日期", "完成日期 earlier than 征集日期";
    RegistryDuplicateCode = "registry.duplicate_code", Error, "名录中同一代码出现两次", "a code listed twice in the registry";
    RegistryUnknownParent = "registry.unknown_parent", Error, "名录中的上级代码不在名录中", "a parent code the registry does not list";
    RegistryKindMismatch = "registry.kind_mismatch", Error, "名录中的类型与代码形式或上级类型不符", "a kind that disagrees with the code's shape or the parent's kind";
    CrossDuplicateRegistration = "cross.duplicate_registration", Error, "同一身份证号出现在两个社区的报到名册中（两处都指出）", "one ID number on the rosters of two communities (both named)";
    CrossUnitMemberNotOnRoster = "cross.unit_member_not_on_roster", Warning, "单位报称已到某社区报到的党员，不在该社区名册中", "a unit lists a member as registered at a community whose roster lacks that ID number";
    CrossUnknownCommunity = "cross.unknown_community", Error, "单位的行或封面写的社区不在名录中", "a unit's row or cover names a community not in the registry";
    CrossPairedUnitsMismatch = "cross.paired_units_mismatch", Warning, "社区封面的结对单位数与名录中结对单位的个数不同", "a community's cover 结对单位数 differs from the registry's count of its paired units";
    CrossDuplicateMember = "cross.duplicate_member", Warning, "同一身份证号出现在两个社区的党员编组中（两处都指出）", "one ID number on the 党员编组 of two communities (both named)";
    SubmissionMissing = "submission.missing", Note, "应报单位没有报送（催报名单）", "an expected organisation has not submitted (the 催报 list)";
    TargetRegistrationBelow = "target.registration_below", Warning, "社区报到党员少于考核要求", "a community's registered members below the requirement";
    TargetMeetingShortfall = "target.meeting_shortfall", Warning, "某类会议次数少于考核要求（每个单位、每类会议一条）", "a meeting type held fewer times than required (one per organisation and type)";
    TargetUnitInactive = "target.unit_inactive", Warning, "驻区单位共建活动少于考核要求", "a resident unit with fewer joint activities than required";
    TargetPartTimeBelow = "target.part_time_below", Warning, "社区在任兼职委员少于考核要求", "a community with fewer 兼职委员 in office than the requirement";
    TargetGridCoverageBelow = "target.grid_coverage_below", Warning, "社区网格党组织覆盖率低于目标（消息列出网格党组织为“无”的网格）", "a community's 网格党组织覆盖率 below the target (the message lists the grids without one)";
    TargetResponseLate = "target.response_late", Warning, "求助未在时限内联系上，或需到场的未在时限内到场（每件一条）", "a request not contacted within the limit, or, needing someone on site, reached later than the limit or not at all (one per request)";
    TargetRepresentativesBelow = "target.representatives_below", Warning, "社区代表少于名额", "a community with fewer 社区代表 than its quota";
    TargetOrgLifeBelow = "target.org_life_below", Warning, "社区组织生活覆盖率低于目标（消息给出未编入支部或党小组的人数）", "a community's 组织生活覆盖率 below the target (the message counts the members placed in no branch or group)";
    TrendAbnormalChange = "trend.abnormal_change", Warning, "与上期（--previous）相比变动超过设定比例", "a count changed by more than the configured share against --previous";
    RosterMemberDropped = "roster.member_dropped", Warning, "上期在本社区报到名单上的党员，本期不在名单中，也不在本次其他社区的名单中（可说明）", "an ID number on a community's roster in --previous is on no roster of the run now (explainable)";
    RosterMemberMoved = "roster.member_moved", Note, "上期在本社区报到名单上的党员，本期在另一社区的名单中（两处都指出）", "an ID number on a community's roster in --previous is now on another community's roster (both named)";
    RosterNoPreviousState = "roster.no_previous_state", Note, "--previous 中没有可比的名册状态（早期版本的输出，或名册密钥不同），本次未比对名册", "--previous holds no roster state this run can compare with (an earlier pbstat, or another roster key): rosters were not compared";
    PeriodMissing = "period.missing", Error, "跨期汇总的输入没有覆盖 --period 的全部月份（消息列出缺的月份；加 --allow-gaps 时为提示）", "a period roll-up's inputs leave months of --period uncovered (the months named; a note with --allow-gaps)";
    PeriodOverlap = "period.overlap", Error, "跨期汇总的两个输入覆盖同一个月（两者都指出）", "two inputs of a period roll-up cover the same month (both named)";
    PeriodOutside = "period.outside", Error, "输入的报告期不在 --period 之内", "an input's period does not lie inside --period";
    PeriodScopeMismatch = "period.scope_mismatch", Error, "跨期汇总的输入来自不同的汇总范围（逐个指出）", "the inputs of a period roll-up are outputs of different scopes (each named with one of its inputs)";
    PeriodMixedInputs = "period.mixed_inputs", Error, "跨期汇总的输入中混有报表文件（应全部是各期的汇总输出文件夹）", "a submission among the aggregate outputs of a period roll-up";
    PeriodNoDetail = "period.no_detail", Error, "跨期汇总的输入缺少 state/own_counts.parquet（单独的 report.xlsx、早期版本的输出，或由县级汇总表逐级汇总的输出）", "an input of a period roll-up lacks state/own_counts.parquet: a report workbook on its own, an output from an earlier pbstat, or one built from county summaries";
    PeriodStockMissing = "period.stock_missing", Warning, "某单位在较早的子期有纳入汇总的报表、最后一期没有：期末存量记为 0，不参与考核", "an organisation accepted in an earlier sub-period of a roll-up but not in the last: 0 in every stock, and not judged against the requirements";
    TrendStockDecrease = "trend.stock_decrease", Warning, "社区报到党员数少于上期（--previous）", "a community's registered_members lower than in --previous";
    ExplanationUnmatched = "explanation.unmatched", Warning, "上报说明没有对应任何警告", "an explanation (上报说明) that matches no warning";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem, located as a person sees it in Excel.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
    /// Set when a 上报说明 turned this warning into a note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Where the thing stood in `--previous` (a member on an earlier
    /// roster): never an ID number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Place>,
    /// The sub-period a period roll-up carries it from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Position of the sheet in its workbook, to keep output in workbook order.
    #[serde(skip)]
    pub sheet_index: usize,
}

/// A place in an earlier period's submission (rules.md: `previous`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Place {
    pub period: String,
    pub file: String,
    pub sheet: String,
    pub row: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, file: &str, message: String) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            file: file.to_string(),
            sheet: None,
            cell: None,
            row: None,
            column: None,
            field: None,
            org_code: None,
            value: None,
            message,
            explanation: None,
            previous: None,
            period: None,
            sheet_index: 0,
        }
    }

    /// A diagnostic as an output's diagnostics.json holds it (a period
    /// roll-up carries its sub-periods'). A code this pbstat does not know
    /// (a county's own check) keeps its text and severity.
    pub fn from_json(v: &serde_json::Value) -> Option<Diagnostic> {
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let severity = match v.get("severity")?.as_str()? {
            "error" => Severity::Error,
            "warning" => Severity::Warning,
            _ => Severity::Note,
        };
        let raw = v.get("code")?.as_str()?;
        let code = Code::parse(raw).unwrap_or_else(|| LocalCode::declare(raw, severity, raw, raw));
        Some(Diagnostic {
            severity,
            code,
            file: text("file").unwrap_or_default(),
            sheet: text("sheet"),
            cell: text("cell"),
            row: v.get("row").and_then(|x| x.as_u64()).map(|x| x as u32),
            column: text("column"),
            field: text("field"),
            org_code: text("org_code"),
            value: text("value"),
            message: text("message").unwrap_or_default(),
            explanation: text("explanation"),
            previous: v
                .get("previous")
                .and_then(|p| serde_json::from_value(p.clone()).ok()),
            period: text("period"),
            sheet_index: 0,
        })
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    pub fn sheet(mut self, name: &str, index: usize) -> Self {
        self.sheet = Some(name.to_string());
        self.sheet_index = index;
        self
    }

    /// Locate at a 0-based (row, col) of a workbook sheet.
    pub fn at(mut self, row0: u32, col0: u32) -> Self {
        let col = col_letter(col0);
        self.cell = Some(format!("{}{}", col, row0 + 1));
        self.row = Some(row0 + 1);
        self.column = Some(col);
        self
    }

    /// Locate at a row only (a row-level problem, or a CSV line).
    pub fn at_row(mut self, row0: u32) -> Self {
        self.row = Some(row0 + 1);
        self
    }

    pub fn field(mut self, f: &str) -> Self {
        self.field = Some(f.to_string());
        self
    }

    pub fn org(mut self, code: Option<&str>) -> Self {
        self.org_code = code.filter(|c| !c.is_empty()).map(str::to_string);
        self
    }

    /// The offending value, already masked by the caller where it may hold an ID number.
    pub fn value(mut self, v: impl Into<String>) -> Self {
        let v = v.into();
        if !v.is_empty() {
            self.value = Some(v);
        }
        self
    }

    /// Sort key: file, sheet in workbook order, row, column.
    pub fn sort_key(&self) -> (String, usize, u32, u32, &'static str) {
        let col = self.column.as_deref().map(col_number).unwrap_or(0);
        (
            self.file.clone(),
            self.sheet_index,
            self.row.unwrap_or(0),
            col,
            self.code.as_str(),
        )
    }
}

/// 0-based column index → Excel letters (0 → A, 26 → AA).
pub fn col_letter(c: u32) -> String {
    let mut s = String::new();
    col_letter_into(c, &mut s);
    s
}

/// [`col_letter`] appended to `out`.
pub fn col_letter_into(mut c: u32, out: &mut String) {
    // At most 7 letters for a u32; Excel's last column is XFD.
    let mut buf = [0u8; 7];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'A' + (c % 26) as u8;
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ascii"));
}

/// A cell as Excel shows it (`C12`) as its column (0 for A) and row
/// (1-based); None for anything else.
pub fn parse_cell(cell: &str) -> Option<(u32, u32)> {
    let split = cell.find(|c: char| !c.is_ascii_uppercase())?;
    let (letters, digits) = cell.split_at(split);
    if letters.is_empty() || letters.len() > 3 || digits.starts_with('0') {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    Some((col_number(letters) - 1, row))
}

fn col_number(s: &str) -> u32 {
    s.bytes()
        .fold(0u32, |n, b| n * 26 + (b.saturating_sub(b'A') as u32 + 1))
}

/// Show an ID number as its first 6 and last 4 characters; pbstat never
/// writes a whole one. Anything too short to keep both ends is hidden whole.
pub fn mask_id(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{}{}{}", head, "*".repeat(chars.len() - 10), tail)
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => self.notes += 1,
        }
    }
    pub fn of<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Counts {
        let mut c = Counts::default();
        for d in diags {
            c.add(d.severity);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_round_trip() {
        for (i, s) in [
            (0, "A"),
            (2, "C"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(col_letter(i), s);
            assert_eq!(col_number(s), i + 1);
            assert_eq!(parse_cell(&format!("{s}12")), Some((i, 12)));
        }
    }

    #[test]
    fn masking_keeps_only_ends() {
        assert_eq!(mask_id("42092319900101123X"), "420923********123X");
        assert_eq!(mask_id("12345"), "*****");
    }

    #[test]
    fn every_code_parses_back() {
        for c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
