//! Ingest: every format, every error class with a malformed file, the
//! warnings, the caps, and the real Fingertips extracts in ../shared.

use hwb_outcomes::areas::Gazetteer;
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::frame::as_text;
use hwb_outcomes::ingest::report::{Issue, Report};
use hwb_outcomes::ingest::{self, Context, Extract, Format, Limits};

const FT_HEADER: &str = "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Compared to Region value or percentiles,Time period Sortable,New data,Compared to goal";

/// A Fingertips row for adult smoking (a percentage) with the given cells.
fn ft_row(
    area: &str,
    period: &str,
    value: &str,
    l95: &str,
    u95: &str,
    count: &str,
    denominator: &str,
) -> String {
    format!(
        "92443,Smoking Prevalence in adults (18+) - current smokers (APS),E12000002,North West region,{area},Somewhere,UA,Persons,18+ yrs,,,{period},{value},{l95},{u95},,,{count},{denominator},,,Similar,Similar,20230000,,"
    )
}

fn read_with(name: &str, bytes: &[u8], limits: Limits) -> Extract {
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let mut ctx = Context::new(&c, &g);
    ctx.limits = limits;
    ingest::read(name, bytes, None, &ctx)
}

fn read(name: &str, text: &str) -> Extract {
    read_with(name, text.as_bytes(), Limits::default())
}

fn file(rows: &[String]) -> String {
    let mut s = FT_HEADER.to_owned();
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn only_error(report: &Report) -> &Issue {
    assert_eq!(report.errors.len(), 1, "{:#?}", report.errors);
    assert!(!report.is_valid());
    &report.errors[0]
}

#[test]
fn a_clean_fingertips_export_becomes_the_canonical_frame() {
    let text = file(&[
        ft_row("E06000006", "2023", "13.4", "10.2", "16.6", "", ""),
        ft_row("E06000007", "2023", "11.0", "8.9", "13.1", "", ""),
        ft_row("E06000006", "2022", "14.1", "11.0", "17.2", "", ""),
    ]);
    let e = read("smoking.csv", &text);
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.format, Some(Format::Fingertips));
    assert_eq!(
        (
            e.report.rows,
            e.report.indicators,
            e.report.areas,
            e.report.periods
        ),
        (3, 1, 2, 2)
    );
    let frame = as_text(&e.frame.unwrap()).unwrap();
    assert_eq!(frame.height(), 3);
    let values: Vec<Option<f64>> = frame
        .column("value")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(values, [Some(13.4), Some(11.0), Some(14.1)]);
    let rows: Vec<Option<u32>> = frame
        .column("source_row")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        rows,
        [Some(2), Some(3), Some(4)],
        "rows numbered as a spreadsheet shows them"
    );
    assert_eq!(
        frame
            .column("ft_compared_england")
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("Similar")
    );
    assert_eq!(
        frame.column("period_start").unwrap().dtype(),
        &polars::prelude::DataType::Date
    );
}

#[test]
fn the_27_column_export_and_bom_are_accepted() {
    let text = format!(
        "\u{feff}{},Time period range\n{},1y\n",
        FT_HEADER,
        ft_row("E06000006", "2019/20", "13", "10", "16", "", "")
    );
    let e = read("new-export.csv", &text);
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.encoding, Some(ingest::text::Encoding::Utf8WithBom));
}

#[test]
fn windows_1252_text_as_excel_saves_it_is_decoded() {
    let text = file(&[ft_row("E06000006", "2023", "13.4", "10.2", "16.6", "", "")])
        .replace("Somewhere", "Ynys M\u{f4}n");
    let bytes = encoding_rs_like_windows_1252(&text);
    let e = read_with("excel.csv", &bytes, Limits::default());
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.encoding, Some(ingest::text::Encoding::Windows1252));
    let frame = as_text(&e.frame.unwrap()).unwrap();
    assert_eq!(
        frame.column("area_name").unwrap().str().unwrap().get(0),
        Some("Ynys M\u{f4}n")
    );
}

/// Latin-1 characters are one byte each in Windows-1252.
fn encoding_rs_like_windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(c as u32).expect("Latin-1 only"))
        .collect()
}

#[test]
fn the_analyst_template_and_its_example_validate() {
    let example = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/template-example.csv"
    ))
    .unwrap();
    let e = read_with("template-example.csv", &example, Limits::default());
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.format, Some(Format::AnalystTemplate));
    assert_eq!(e.report.rows, 4);
    // The suppressed row is kept, as suppressed, never as zero.
    let frame = as_text(&e.frame.unwrap()).unwrap();
    assert_eq!(frame.column("value").unwrap().f64().unwrap().get(3), None);
    assert!(
        e.report
            .warnings
            .iter()
            .any(|w| w.message.contains("kept as suppressed, never as zero")),
        "{:#?}",
        e.report.warnings
    );

    // Sex and age default when the template leaves them out.
    let e = read(
        "minimal.csv",
        "indicator_id,area_code,period,value\n93015,E06000006,2022/23,25.5\n",
    );
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    let frame = as_text(&e.frame.unwrap()).unwrap();
    assert_eq!(
        frame.column("sex").unwrap().str().unwrap().get(0),
        Some("Persons")
    );
    assert_eq!(
        frame.column("age").unwrap().str().unwrap().get(0),
        Some("All ages")
    );
}

#[test]
fn xlsx_workbooks_read_the_first_or_a_named_sheet() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/workbook.xlsx"
    ))
    .unwrap();
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let ctx = Context::new(&c, &g);
    let e = ingest::read("workbook.xlsx", &bytes, None, &ctx);
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.format, Some(Format::Fingertips));
    assert_eq!(e.report.rows, 2);
    assert_eq!(
        e.frame
            .unwrap()
            .column("value")
            .unwrap()
            .f64()
            .unwrap()
            .get(1),
        Some(13.4)
    );

    let e = ingest::read("workbook.xlsx", &bytes, Some("Local"), &ctx);
    assert_eq!(e.report.format, Some(Format::AnalystTemplate));
    let err = only_error(&e.report);
    assert_eq!(
        (err.row, err.column.as_deref(), err.value.as_deref()),
        (Some(3), Some("value"), Some("#DIV/0!"))
    );
    assert!(err.file.contains("sheet Local"), "{}", err.file);

    let e = ingest::read("workbook.xlsx", &bytes, Some("Nope"), &ctx);
    assert!(
        only_error(&e.report)
            .message
            .contains("no sheet named \"Nope\"; its sheets are: Fingertips, Local")
    );
}

// ---- Each error class, with a malformed file --------------------------------

#[test]
fn missing_required_columns() {
    let e = read(
        "cols.csv",
        "Indicator ID,Area Code,Time period\n92443,E06000006,2023\n",
    );
    assert_eq!(
        only_error(&e.report).message,
        "required column missing: Value"
    );
    let e = read("other.csv", "name,address\nA,B\n");
    assert!(
        only_error(&e.report)
            .message
            .contains("matches neither a Fingertips export")
    );
    assert!(e.frame.is_none());
}

#[test]
fn unparseable_numbers_name_row_column_and_value() {
    let e = read(
        "num.csv",
        &file(&[
            ft_row("E06000006", "2023", "\"1,23\"", "10.2", "16.6", "", ""),
            ft_row("E06000007", "2023", "12", "10", "14", "#DIV/0!", ""),
        ]),
    );
    assert_eq!(e.report.errors.len(), 2, "{:#?}", e.report.errors);
    let (a, b) = (&e.report.errors[0], &e.report.errors[1]);
    assert_eq!(
        (a.row, a.column.as_deref(), a.value.as_deref()),
        (Some(2), Some("Value"), Some("1,23"))
    );
    assert!(a.message.contains("not a number"));
    assert_eq!(
        (b.row, b.column.as_deref(), b.value.as_deref()),
        (Some(3), Some("Count"), Some("#DIV/0!"))
    );
    let shown = a.to_string();
    assert!(
        shown.starts_with("num.csv, row 2, column \"Value\", value \"1,23\": error: not a number"),
        "{shown}"
    );
}

#[test]
fn unparseable_periods() {
    let e = read(
        "period.csv",
        &file(&[ft_row("E06000006", "20230000", "13", "10", "16", "", "")]),
    );
    let err = only_error(&e.report);
    assert_eq!(
        (err.row, err.column.as_deref(), err.value.as_deref()),
        (Some(2), Some("Time period"), Some("20230000"))
    );
    assert!(err.message.contains("2019/20"), "{}", err.message);
}

#[test]
fn lower_limit_above_value() {
    let e = read(
        "low.csv",
        &file(&[ft_row("E06000006", "2023", "13", "14", "16", "", "")]),
    );
    let err = only_error(&e.report);
    assert_eq!(
        (err.column.as_deref(), err.value.as_deref()),
        (Some("Lower CI 95.0 limit"), Some("14"))
    );
    assert!(err.message.contains("above the value 13"));
}

#[test]
fn value_above_upper_limit() {
    let e = read(
        "high.csv",
        &file(&[ft_row("E06000006", "2023", "17", "10", "16", "", "")]),
    );
    let err = only_error(&e.report);
    assert_eq!(
        (err.column.as_deref(), err.value.as_deref()),
        (Some("Upper CI 95.0 limit"), Some("16"))
    );
}

#[test]
fn negative_counts_or_denominators() {
    let e = read(
        "neg.csv",
        &file(&[
            ft_row("E06000006", "2023", "13", "10", "16", "-5", "100"),
            ft_row("E06000007", "2023", "13", "10", "16", "5", "-100"),
        ]),
    );
    assert_eq!(e.report.errors.len(), 2, "{:#?}", e.report.errors);
    assert_eq!(e.report.errors[0].column.as_deref(), Some("Count"));
    assert_eq!(e.report.errors[1].column.as_deref(), Some("Denominator"));
    assert!(e.report.errors[1].message.contains("negative"));
}

#[test]
fn count_above_denominator_for_a_proportion() {
    let e = read(
        "prop.csv",
        &file(&[ft_row("E06000006", "2023", "13", "10", "16", "120", "100")]),
    );
    let err = only_error(&e.report);
    assert_eq!(
        (err.column.as_deref(), err.value.as_deref()),
        (Some("Count"), Some("120"))
    );
    assert!(err.message.contains("above the denominator 100"));
}

#[test]
fn percentages_outside_0_to_100() {
    let e = read(
        "pct.csv",
        &file(&[ft_row("E06000006", "2023", "113", "110", "116", "", "")]),
    );
    assert_eq!(
        e.report.errors.len(),
        3,
        "value and both limits: {:#?}",
        e.report.errors
    );
    assert!(
        e.report.errors[0]
            .message
            .contains("outside 0 to 100: indicator 92443 is a percentage")
    );
}

#[test]
fn the_same_key_twice_names_both_rows() {
    let row = ft_row("E06000006", "2023", "13", "10", "16", "", "");
    let e = read(
        "dup.csv",
        &file(&[
            row.clone(),
            ft_row("E06000007", "2023", "13", "10", "16", "", ""),
            row,
        ]),
    );
    let err = only_error(&e.report);
    assert_eq!(err.row, Some(4));
    assert!(
        err.message.starts_with("duplicate of row 2"),
        "{}",
        err.message
    );
}

#[test]
fn ragged_rows() {
    let good = ft_row("E06000006", "2023", "13", "10", "16", "", "");
    let long = format!("{good},extra");
    let short = good.split(',').take(12).collect::<Vec<_>>().join(",");
    let e = read("ragged.csv", &file(&[long, short]));
    assert_eq!(e.report.errors.len(), 2, "{:#?}", e.report.errors);
    assert!(
        e.report.errors[0]
            .message
            .contains("27 fields but the header has 26")
    );
    assert_eq!(e.report.errors[0].row, Some(2));
    assert!(
        e.report.errors[1]
            .message
            .contains("12 fields but the header has 26")
    );
}

#[test]
fn rows_missing_only_trailing_provenance_are_kept_with_a_warning() {
    // As the real jargonautical export does: 26 header fields, 25 per row.
    let row = ft_row("E06000006", "2023", "13", "10", "16", "", "");
    let short = row.rsplit_once(',').unwrap().0.to_owned();
    let e = read("short.csv", &file(&[short]));
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert!(e.report.warnings.iter().any(|w| w.message.contains(
        "(from \"Compared to goal\"); those trailing columns are optional and were taken as empty"
    )));
}

#[test]
fn unbalanced_quotes() {
    let text = format!(
        "{}\n{}\n",
        FT_HEADER,
        ft_row("E06000006", "2023", "13", "10", "16", "", "").replace("Somewhere", "\"Some, where")
    );
    let e = read("quotes.csv", &text);
    assert!(
        e.report
            .errors
            .iter()
            .any(|i| i.message.starts_with("unbalanced quotes")),
        "{:#?}",
        e.report.errors
    );
    assert!(e.frame.is_none());
    // A quoted field with a newline and doubled quotes is fine.
    let text = file(&[
        ft_row("E06000006", "2023", "13", "10", "16", "", "").replace(
            "Smoking Prevalence in adults (18+) - current smokers (APS)",
            "\"Smoking \"\"prevalence\"\"\nadults\"",
        ),
    ]);
    let e = read("multiline.csv", &text);
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(
        as_text(&e.frame.unwrap())
            .unwrap()
            .column("indicator_name")
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("Smoking \"prevalence\"\nadults")
    );
}

#[test]
fn empty_and_header_only_files() {
    assert_eq!(
        only_error(&read("empty.csv", "").report).message,
        "the file is empty"
    );
    assert_eq!(
        only_error(&read("blank.csv", "\n \n").report).message,
        "the file is empty"
    );
    let e = read("header.csv", &format!("{FT_HEADER}\n"));
    assert_eq!(
        only_error(&e.report).message,
        "the file has a header but no data rows"
    );
}

#[test]
fn binary_and_non_text_files() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert!(
        only_error(&read_with("chart.png", png, Limits::default()).report)
            .message
            .contains("not a text file")
    );
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0];
    assert!(
        only_error(&read_with("old.xls", &xls, Limits::default()).report)
            .message
            .contains(".xls")
    );
    let utf16 = b"\xFF\xFEI\0n\0";
    assert!(
        only_error(&read_with("u16.csv", utf16, Limits::default()).report)
            .message
            .contains("UTF-16")
    );
    let not_xlsx = b"PK\x03\x04 this is no zip";
    assert!(
        only_error(&read_with("fake.xlsx", not_xlsx, Limits::default()).report)
            .message
            .contains("not a readable .xlsx")
    );
}

#[test]
fn size_and_row_caps() {
    let text = file(&[
        ft_row("E06000006", "2023", "13", "10", "16", "", ""),
        ft_row("E06000007", "2023", "13", "10", "16", "", ""),
    ]);
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    assert!(
        only_error(&read_with("big.csv", text.as_bytes(), small).report)
            .message
            .contains("over the limit of 100 bytes")
    );
    let one_row = Limits {
        max_rows: 1,
        ..Limits::default()
    };
    assert!(
        only_error(&read_with("long.csv", text.as_bytes(), one_row).report)
            .message
            .contains("more than 1 data rows")
    );
}

#[test]
fn errors_beyond_the_listing_cap_are_counted() {
    let rows: Vec<String> = (0..30)
        .map(|i| ft_row(&format!("E0600{i:04}"), "2023", "12.3.4", "", "", "", ""))
        .collect();
    let limits = Limits {
        max_listed_errors: 10,
        ..Limits::default()
    };
    let e = read_with("many.csv", file(&rows).as_bytes(), limits);
    assert_eq!(
        (
            e.report.errors.len(),
            e.report.errors_not_listed,
            e.report.error_count()
        ),
        (10, 20, 30)
    );
}

#[test]
fn warnings_for_unknown_indicators_and_areas_and_older_periods() {
    let text = file(&[
        ft_row("E06000006", "2015", "13", "10", "16", "", "").replace("92443,", "99999,"),
        ft_row("X99999999", "2023", "13", "10", "16", "", ""),
    ]);
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let mut ctx = Context::new(&c, &g);
    ctx.held_from.insert(
        "99999".into(),
        chrono::NaiveDate::from_ymd_opt(2018, 12, 31).unwrap(),
    );
    let e = ingest::read("warn.csv", text.as_bytes(), None, &ctx);
    assert!(
        e.report.is_valid(),
        "warnings do not block: {:#?}",
        e.report.errors
    );
    let messages: Vec<&str> = e
        .report
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("indicator 99999 is not in the catalogue")
                && m.contains("shown under Other indicators")),
        "the warning says where such rows are shown: {messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("area X99999999 is not in the gazetteer")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("older than any held")),
        "{messages:#?}"
    );
    assert!(e.frame.is_some());
}

/// A workbook whose sheet is `sheet_xml`, built in memory, with its
/// parts deflated as Excel does.
fn workbook_with(sheet_xml: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(sheet_xml.len() > u32::MAX as usize / 2);
    let parts: [(&str, &[u8]); 4] = [
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
    ];
    for (name, body) in parts {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    zip.write_all(sheet_xml).unwrap();
    zip.finish().unwrap().into_inner()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn workbooks_that_claim_to_be_huge_are_refused_before_they_are_read() {
    // 1.6 KB: cells at A1 and XFD1048576, dimension A1:XFD1048576. Read as
    // a dense range this asked for 550 GB and aborted the server.
    let e = read_with(
        "sparse.xlsx",
        &fixture("sparse-dimension.xlsx"),
        Limits::default(),
    );
    let err = only_error(&e.report);
    assert!(
        err.message.contains("columns up to XFD") && err.message.contains("the most read is 1024"),
        "{}",
        err.message
    );
    // The same cells without a dimension: refused at the far cell.
    let e = read_with("far.xlsx", &fixture("far-cell.xlsx"), Limits::default());
    let err = only_error(&e.report);
    assert!(err.message.contains("cell XFD1048576"), "{}", err.message);
}

#[test]
fn workbooks_are_measured_unzipped_and_capped_in_rows_and_cells() {
    // A zip bomb: 8 MB of spaces deflate to a few KB.
    let mut xml = b"<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>".to_vec();
    xml.extend(std::iter::repeat_n(b' ', 8 << 20));
    xml.extend_from_slice(b"</sheetData></worksheet>");
    let bomb = workbook_with(&xml);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let small = Limits {
        max_unzipped_bytes: 4 << 20,
        ..Limits::default()
    };
    let err = only_error(&read_with("bomb.xlsx", &bomb, small).report)
        .message
        .clone();
    assert!(err.contains("more than 4 MB"), "{err}");
    // Under the cap it is read (and found empty).
    let e = read_with("bomb.xlsx", &bomb, Limits::default());
    assert!(
        only_error(&e.report).message.contains("empty"),
        "{:?}",
        e.report.errors
    );

    // Rows past the cap stop the read with the limit named.
    let rows: String = (1..=20)
        .map(|r| format!("<row r=\"{r}\"><c r=\"A{r}\"><v>{r}</v></c></row>"))
        .collect();
    let sheet = format!(
        "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{rows}</sheetData></worksheet>"
    );
    let ten = Limits {
        max_rows: 10,
        ..Limits::default()
    };
    let err = only_error(&read_with("long.xlsx", &workbook_with(sheet.as_bytes()), ten).report)
        .message
        .clone();
    assert!(err.contains("more than 10 rows"), "{err}");

    // Wide rows count as wide as they are held: 2 rows reaching column 900
    // are 1,800 cells, over 32 a row for 10 rows.
    let wide = "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"AHP1\"><v>1</v></c></row><row r=\"2\"><c r=\"AHP2\"><v>1</v></c></row></sheetData></worksheet>";
    let err = only_error(&read_with("wide.xlsx", &workbook_with(wide.as_bytes()), ten).report)
        .message
        .clone();
    assert!(err.contains("more than 320 cells"), "{err}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A quick no-panic check on every `cargo test`, beside the fuzz targets
    // (`scripts/fuzz`): shuffled fragments of real syntax, and each must
    // give a report (a frame, or at least one error).
    let pieces = [
        "\"",
        ",",
        "\n",
        "\r\n",
        "Indicator ID",
        "Area Code",
        "Time period",
        "Value",
        "2019/20",
        "-1",
        "NaN",
        "\u{feff}",
        "1e308",
        "\0",
        "\"\"",
        "PK\x03\x04",
        "E06000006",
    ];
    let mut seed = 0x9e3779b97f4a7c15u64;
    for _ in 0..2000 {
        let mut text = String::new();
        for _ in 0..(seed % 60) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let e = read("fuzz.csv", &text);
        assert!(
            e.frame.is_some() || e.report.error_count() > 0,
            "neither a frame nor an error for {text:?}"
        );
    }
}

// ---- The real Fingertips extracts -------------------------------------------

fn real(name: &str) -> Option<Vec<u8>> {
    let path = format!(
        "{}/../shared/research-data/fingertips/fingertips-export/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("{path}: {e}: CI always has ../shared")
        }
        Err(_) => {
            eprintln!("SKIP: {path} is absent (../shared not present)");
            None
        }
    }
}

#[test]
fn real_north_west_tobacco_profile_export() {
    let Some(bytes) = real("STAPM-smkfreediv__northwest_2019__local-tobacco-control-profiles.csv")
    else {
        return;
    };
    let e = read_with("northwest 2019.csv", &bytes, Limits::default());
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(
        (
            e.report.rows,
            e.report.indicators,
            e.report.areas,
            e.report.periods
        ),
        (175, 7, 25, 2)
    );
    assert_eq!(e.frame.unwrap().height(), 175);
}

#[test]
fn real_county_ua_export_with_newlines_and_short_rows() {
    let Some(bytes) = real("jargonautical-data-dev__indicators-CountyUA.data.csv") else {
        return;
    };
    let e = read_with("indicators-CountyUA.data.csv", &bytes, Limits::default());
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(
        (
            e.report.rows,
            e.report.indicators,
            e.report.areas,
            e.report.periods
        ),
        (852, 1, 162, 3)
    );
    let frame = as_text(&e.frame.unwrap()).unwrap();
    assert_eq!(frame.height(), 852);
    // The ten rows Fingertips suppressed stay suppressed: no value, a note.
    let values = frame.column("value").unwrap().f64().unwrap();
    assert_eq!(values.null_count(), 10);
    let name = frame
        .column("indicator_name")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_owned();
    assert_eq!(
        name, "Campylobacter incidence rate/100,000",
        "the embedded newline is trimmed"
    );
}

#[test]
fn real_extracts_ingest_into_one_edition() {
    let (Some(tobacco), Some(county)) = (
        real("STAPM-smkfreediv__northwest_2019__local-tobacco-control-profiles.csv"),
        real("jargonautical-data-dev__indicators-CountyUA.data.csv"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    with_store(dir.path(), |store| async move {
        let mut ids = Vec::new();
        for (name, bytes) in [
            ("northwest 2019.csv", &tobacco),
            ("indicators-CountyUA.data.csv", &county),
        ] {
            let mut frame = read_with(name, bytes, Limits::default()).frame.unwrap();
            let upload = store
                .add_upload(name, bytes, "fingertips", &mut frame, "test")
                .await
                .unwrap();
            assert_eq!(upload.size as usize, bytes.len());
            assert_eq!(upload.sha256.len(), 64);
            assert_eq!(
                store.upload_bytes(&upload.sha256).await.unwrap(),
                *bytes,
                "original bytes kept"
            );
            ids.push(upload.id);
        }
        let edition = store
            .create_edition("Real extracts", &ids, false, "test", |d, m| Ok((d, m)))
            .await
            .unwrap();
        assert_eq!(edition.rows, 175 + 852);
        store.publish(edition.id, "test").await.unwrap();
        let frame = store
            .edition_frame(&store.published().await.unwrap().unwrap())
            .await
            .unwrap();
        let count = |col: &str| frame.column(col).unwrap().n_unique().unwrap();
        assert_eq!(count("indicator_id"), 8);
        assert_eq!(
            count("area_code"),
            162,
            "the 25 North West areas are among the 162"
        );

        // Re-ingesting the same file revises rows with the same key and
        // loses nothing.
        let mut again = read_with("northwest 2019.csv", &tobacco, Limits::default())
            .frame
            .unwrap();
        let upload = store
            .add_upload(
                "northwest 2019.csv",
                &tobacco,
                "fingertips",
                &mut again,
                "test",
            )
            .await
            .unwrap();
        let next = store
            .create_edition("Again", &[upload.id], false, "test", |d, m| Ok((d, m)))
            .await
            .unwrap();
        assert_eq!(next.rows, 175 + 852);
        assert_eq!(next.base_id, Some(edition.id));
    });
}

/// Runs `test` with a new store in `dir`.
fn with_store<F: std::future::Future<Output = ()>>(
    dir: &std::path::Path,
    test: impl FnOnce(hwb_outcomes::store::Store) -> F,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = hwb_outcomes::store::Store::open(dir).await.unwrap();
        test(store).await
    });
}

/// The files under the store's `uploads/`, sorted.
fn upload_files(data: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join("uploads"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Reads `bytes` as the command line does with a store: copied in, mapped,
/// validated in pieces with its pages given back behind the reader.
fn read_mapped(
    store: &hwb_outcomes::store::Store,
    path: &std::path::Path,
    limits: Limits,
) -> (Extract, hwb_outcomes::store::Staged, usize) {
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let mapped = store.copy_in(path).unwrap();
    let released = std::sync::atomic::AtomicUsize::new(0);
    let (extract, staged) = mapped.stage_during(|mapped| {
        let release = |text: &[u8]| {
            released.fetch_add(text.len(), std::sync::atomic::Ordering::Relaxed);
            mapped.release(text);
        };
        let mut ctx = Context::new(&c, &g);
        ctx.limits = limits;
        ctx.release = Some(&release);
        ingest::read("mapped.csv", mapped.bytes(), None, &ctx)
    });
    (extract, staged.unwrap(), released.into_inner())
}

#[test]
fn a_mapped_file_reads_as_the_same_bytes_in_memory() {
    // Enough rows for many pages in each of several pieces.
    let rows: Vec<String> = (0..6000)
        .map(|i| {
            let area = format!("E06{:06}", i / 20);
            ft_row(
                &area,
                &(2000 + i % 20).to_string(),
                "13.4",
                "10.2",
                "16.6",
                "",
                "",
            )
        })
        .collect();
    let text = file(&rows);
    let latin1 =
        encoding_rs_like_windows_1252(&file(&rows[..50]).replace("Somewhere", "Ynys M\u{f4}n"));
    let limits = Limits {
        piece_bytes: 64 << 10,
        ..Limits::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    with_store(&data.clone(), |store| async move {
        for (name, bytes) in [("utf8.csv", text.as_bytes()), ("latin1.csv", &latin1[..])] {
            let source = dir.path().join(name);
            std::fs::write(&source, bytes).unwrap();
            let (mapped, staged, released) = read_mapped(&store, &source, limits);
            let in_memory = read_with("mapped.csv", bytes, limits);
            assert!(
                mapped.report.is_valid(),
                "{name}: {:#?}",
                mapped.report.errors
            );
            assert_eq!(mapped.report.rows, in_memory.report.rows, "{name}");
            assert_eq!(mapped.report.warnings, in_memory.report.warnings, "{name}");
            let (a, b) = (mapped.frame.unwrap(), in_memory.frame.unwrap());
            assert!(
                as_text(&a).unwrap().equals_missing(&as_text(&b).unwrap()),
                "{name}"
            );
            if name == "utf8.csv" {
                // Every row's text but each piece's last row was handed back.
                assert!(
                    released > bytes.len() / 2,
                    "released {released} of {}",
                    bytes.len()
                );
            }
            // The staged copy is the file, hashed as the in-memory path hashes.
            let from_memory = store.stage(bytes).unwrap();
            assert_eq!(staged.sha256(), from_memory.sha256(), "{name}");
            drop((staged, from_memory));
            assert!(
                upload_files(&data).is_empty(),
                "{name}: nothing kept unless kept"
            );
        }
        // A file copied and hashed in several steps (8 MB each), the last
        // one short, hashes as the same bytes in memory do.
        let large: Vec<u8> = (0..(20 << 20) + 12_345)
            .map(|i: u32| (i % 251) as u8)
            .collect();
        let source = dir.path().join("large.bin");
        std::fs::write(&source, &large).unwrap();
        let mapped = store.copy_in(&source).unwrap();
        let ((), staged) = mapped.stage_during(|mapped| assert_eq!(mapped.bytes(), &large[..]));
        let from_memory = store.stage(&large).unwrap();
        assert_eq!(staged.unwrap().sha256(), from_memory.sha256());
        drop(from_memory);
        assert!(upload_files(&data).is_empty());
        // A file that is not there is an error naming it, and leaves nothing.
        let missing = dir.path().join("missing.csv");
        let err = store.copy_in(&missing).err().unwrap().to_string();
        assert!(err.contains("missing.csv"), "{err}");
        assert!(upload_files(&data).is_empty());
    });
}

#[test]
fn staged_bytes_are_kept_only_with_a_valid_upload() {
    let good = file(&[ft_row("E06000006", "2023", "13", "10", "16", "", "")]);
    let bad = file(&[ft_row("E06000006", "2023", "1O", "10", "16", "", "")]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    with_store(&data.clone(), |store| async move {
        // Refused: the bytes were written while the rows were checked, and
        // are gone again.
        let (extract, staged) = store.stage_during(bad.as_bytes(), || read("bad.csv", &bad));
        assert!(extract.frame.is_none());
        let staged = staged.unwrap();
        assert_eq!(upload_files(&data).len(), 1, "staged while validating");
        drop(staged);
        assert!(
            upload_files(&data).is_empty(),
            "nothing kept of a refused file"
        );

        // Accepted: kept under its SHA-256, with its frame, nothing else.
        let (extract, staged) = store.stage_during(good.as_bytes(), || read("good.csv", &good));
        let mut frame = extract.frame.unwrap();
        let stored = store.stage_frame(&mut frame).unwrap();
        assert_eq!(upload_files(&data).len(), 2, "bytes and frame staged");
        let upload = store
            .keep_upload("good.csv", staged.unwrap(), "fingertips", stored, "test")
            .await
            .unwrap();
        assert_eq!(upload.size as usize, good.len());
        assert_eq!(
            upload_files(&data),
            [
                format!("{}.parquet", upload.id),
                format!("{}.bin", upload.sha256)
            ]
        );
        assert_eq!(
            store.upload_bytes(&upload.sha256).await.unwrap(),
            good.as_bytes()
        );
        // The same bytes again: one copy of them, a second frame.
        let again = store
            .add_upload(
                "good again.csv",
                good.as_bytes(),
                "fingertips",
                &mut frame,
                "test",
            )
            .await
            .unwrap();
        assert_eq!(again.sha256, upload.sha256);
        assert_eq!(upload_files(&data).len(), 3);
        // The stored frame reads back as text, equal to what was validated.
        let stored = store.upload_frame(upload.id).await.unwrap();
        assert!(stored.equals_missing(&as_text(&frame).unwrap()));
    });
}

/// A frame of more row groups than cores, in chunks that do not line up
/// with the row groups (as the validating threads leave it), is stored and
/// read back row for row: the groups are encoded in parallel but written
/// in order.
#[test]
fn a_large_frame_is_stored_in_order() {
    use polars::prelude::*;
    let piece = |from: u32, n: u32| {
        let ids: Vec<u32> = (from..from + n).collect();
        let names: Vec<String> = ids.iter().map(|i| format!("area {}", i % 977)).collect();
        df!("row" => ids, "name" => names)
            .unwrap()
            .lazy()
            .with_column(col("name").cast(DataType::from_categories(Categories::global())))
            .collect()
            .unwrap()
    };
    // 1,100,001 rows: five row groups of 262,144 rows or fewer.
    let mut frame = piece(0, 700_001);
    frame.vstack_mut_owned(piece(700_001, 400_000)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    with_store(&data.clone(), |store| async move {
        let staged = store.stage_frame(&mut frame.clone()).unwrap();
        let kept = store
            .keep_upload(
                "big.csv",
                store.stage(b"x").unwrap(),
                "fingertips",
                staged,
                "test",
            )
            .await
            .unwrap();
        let path = data.join("uploads").join(format!("{}.parquet", kept.id));
        let back = ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap();
        // Eagerly: a lazy query may not block on this test's runtime.
        let text = |f: &DataFrame| {
            let mut f = f.clone();
            let name = f.column("name").unwrap().cast(&DataType::String).unwrap();
            f.with_column(name).unwrap();
            f
        };
        assert_eq!(back.height(), 1_100_001);
        assert!(text(&back).equals_missing(&text(&frame)));
        // Stored as an enum of just the column's own 977 names.
        match back.column("name").unwrap().dtype() {
            DataType::Enum(cats, _) => assert_eq!(cats.categories().len(), 977),
            other => panic!("stored as {other:?}"),
        }
    });
}

/// Ingest's string columns share one mapping of all the file's strings;
/// each is written as an enum of its own strings, in order of first use,
/// with its nulls, and reads back as the same text.
#[test]
fn string_columns_are_stored_as_enums_of_their_own_strings() {
    use polars::prelude::*;
    let text = file(&[
        ft_row("E06000006", "2023", "13.4", "10.2", "16.6", "", ""),
        ft_row("E06000007", "2023", "", "", "", "", ""),
        ft_row("E06000006", "2022", "14.1", "11.0", "17.2", "", ""),
    ]);
    let frame = read("ft.csv", &text).frame.unwrap();
    let stored = hwb_outcomes::frame::with_own_strings(&frame).unwrap();
    let own = |name: &str| match stored.column(name).unwrap().dtype() {
        DataType::Enum(cats, _) => cats
            .categories()
            .values_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        other => panic!("{name} is {other:?}"),
    };
    assert_eq!(own("area_code"), ["E06000006", "E06000007"]);
    assert_eq!(own("period"), ["2023", "2022"]);
    assert_eq!(own("sex"), ["Persons"]);
    // A column of nulls only: an empty enum, still all null.
    assert!(own("ft_recent_trend").is_empty());
    assert_eq!(stored.column("ft_recent_trend").unwrap().null_count(), 3);
    // Numbers and dates are left as they are.
    assert_eq!(stored.column("value").unwrap().dtype(), &DataType::Float64);
    assert!(
        as_text(&stored)
            .unwrap()
            .equals_missing(&as_text(&frame).unwrap())
    );
}

/// Inputs the fuzzer found (fuzz/regressions/ingest_csv): each is read
/// without a panic, and in pieces exactly as in one pass.
#[test]
fn inputs_found_by_fuzzing_are_handled() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions/ingest_csv");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let read = |piece_bytes| {
            read_with(
                "found.csv",
                &bytes,
                Limits {
                    piece_bytes,
                    ..Limits::default()
                },
            )
        };
        let (whole, pieces) = (read(usize::MAX), read(16));
        assert_eq!(whole.report.errors, pieces.report.errors);
        assert_eq!(whole.report.warnings, pieces.report.warnings);
        assert_eq!(whole.frame.is_some(), pieces.frame.is_some());
        seen += 1;
    }
    assert!(seen >= 1, "the regression inputs are read");
}

// ---- What Fingertips's own downloads write ----------------------------------

/// A website download ("Compare areas" or a profile's data download): BOM,
/// every field quoted, LF line ends, `AreaName`, counts with thousands
/// separators, `-` and HTML placeholders, HTML in value notes.
fn website_download(rows: &[[&str; 26]]) -> Vec<u8> {
    let header = FT_HEADER
        .replace("Area Name", "AreaName")
        .replace("Region value", "parent value");
    let quote = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = String::from("\u{feff}");
    out += &quote(&mut header.split(','));
    out.push('\n');
    for r in rows {
        out += &quote(&mut r.iter().copied());
        out.push('\n');
    }
    out.into_bytes()
}

fn row<'a>(
    area: &'a str,
    name: &'a str,
    value: &'a str,
    lo: &'a str,
    hi: &'a str,
    count: &'a str,
    note: &'a str,
) -> [&'a str; 26] {
    [
        "92443",
        "Smoking Prevalence in adults (18+) - current smokers (APS)",
        "E12000002",
        "North West region",
        area,
        name,
        "UA",
        "Persons",
        "18+ yrs",
        "",
        "",
        "2019",
        value,
        lo,
        hi,
        "",
        "",
        count,
        "",
        note,
        "",
        "Similar",
        "Similar",
        "20190000",
        "",
        "",
    ]
}

fn column_values(frame: polars::prelude::DataFrame, name: &str) -> Vec<Option<f64>> {
    as_text(&frame)
        .unwrap()
        .column(name)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

#[test]
fn website_downloads_with_separators_placeholders_and_html_are_accepted_exactly() {
    let bytes = website_download(&[
        row(
            "E92000001",
            "England",
            "13.8821327715042",
            "13.6438650901795",
            "14.120400452829",
            "6,144,703",
            "",
        ),
        row("E06000006", "Halton ", "15.5", "12.1", "18.9", "-", ""),
        row(
            "E06000007",
            "Warrington",
            "12.25",
            "10.0",
            "14.5",
            "<div class=\"no-data\">-</div>",
            "",
        ),
        row(
            "E06000008",
            "Blackburn with Darwen",
            "<div class=\"no-data\">-</div>",
            "",
            "",
            "",
            "<span class=\"tooltipValueNote\">* Value suppressed for disclosure control due to small count</span>",
        ),
        row(
            "E06000009",
            "Blackpool",
            "17",
            "17.025",
            "19.5",
            "1,234.5",
            "",
        ),
    ]);
    let e = read_with("compare-areas.csv", &bytes, Limits::default());
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.rows, 5, "every row counted");
    let frame = as_text(&e.frame.unwrap()).unwrap();
    let values = column_values(frame.clone(), "value");
    assert_eq!(
        values,
        [
            Some(13.8821327715042),
            Some(15.5),
            Some(12.25),
            None,
            Some(17.0)
        ],
        "values exact; suppressed missing, never zero"
    );
    let counts = column_values(frame.clone(), "count");
    assert_eq!(counts, [Some(6_144_703.0), None, None, None, Some(1234.5)]);
    let text = |c: &str| -> Vec<String> {
        frame
            .column(c)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|s| s.unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(text("area_name")[1], "Halton", "trailing spaces trimmed");
    assert_eq!(
        text("value_note")[3],
        "* Value suppressed for disclosure control due to small count",
        "HTML becomes its text"
    );
    assert!(text("age").iter().all(|a| a == "18+ yrs"));
    // The rounded value: a warning naming the row, not an error.
    let rounded: Vec<&Issue> = e
        .report
        .warnings
        .iter()
        .filter(|w| w.message.contains("last written digit"))
        .collect();
    assert_eq!(rounded.len(), 1, "{:#?}", e.report.warnings);
    assert_eq!(
        (rounded[0].row, rounded[0].value.as_deref()),
        (Some(6), Some("17.025"))
    );
    assert!(
        rounded[0].message.contains("rows 6"),
        "{}",
        rounded[0].message
    );
}

#[test]
fn ages_written_with_a_less_than_sign_are_kept_as_written() {
    let mut r = row(
        "E06000006",
        "Halton",
        "<div>-</div>",
        "",
        "",
        "",
        "<b>x</b>",
    );
    r[8] = "<75 yrs";
    let e = read_with("u75.csv", &website_download(&[r]), Limits::default());
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    let frame = as_text(&e.frame.unwrap()).unwrap();
    let age = frame
        .column("age")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_owned();
    assert_eq!(age, "<75 yrs");
    assert_eq!(
        frame.column("value_note").unwrap().str().unwrap().get(0),
        Some("x")
    );
}

#[test]
fn a_limit_past_the_value_by_more_than_its_rounding_is_still_an_error() {
    let bytes = website_download(&[
        row("E06000006", "Halton", "17", "18.2", "19.5", "", ""),
        row("E06000007", "Warrington", "17.0", "17.15", "19.5", "", ""),
        row(
            "E06000008",
            "Blackburn with Darwen",
            "17.5",
            "10",
            "17.49",
            "",
            "",
        ),
    ]);
    let e = read_with("limits.csv", &bytes, Limits::default());
    let rows: Vec<(Option<usize>, Option<&str>)> = e
        .report
        .errors
        .iter()
        .map(|i| (i.row, i.value.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [(Some(2), Some("18.2")), (Some(3), Some("17.15"))],
        "{:#?}",
        e.report.errors
    );
    assert!(
        e.report
            .warnings
            .iter()
            .any(|w| w.message.contains("last written digit") && w.row == Some(4)),
        "17.5 against 17.49 is within its 0.1 step: {:#?}",
        e.report.warnings
    );
}

#[test]
fn the_analyst_template_stays_strict_and_says_why() {
    let text = "indicator_id,area_code,period,value,lower_ci_95,upper_ci_95,count,denominator\n\
                92443,E06000006,2019,\"1,234\",,,,\n\
                92443,E06000007,2019,17,17.025,19,,\n\
                92443,E06000008,2019,12,,,-,\n";
    let e = read("template.csv", text);
    let found: Vec<(Option<usize>, Option<&str>)> = e
        .report
        .errors
        .iter()
        .map(|i| (i.row, i.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(2), Some("value")),
            (Some(3), Some("lower_ci_95")),
            (Some(4), Some("count"))
        ],
        "{:#?}",
        e.report.errors
    );
    assert!(
        e.report.errors[0]
            .message
            .contains("the analyst template takes plain numbers"),
        "{}",
        e.report.errors[0].message
    );
    assert!(e.report.errors[0].message.contains("typing slip"));
}

#[test]
fn fingertips_indicator_metadata_is_its_own_format() {
    let header = "Indicator ID,Indicator,Indicator number,Rationale,Specific rationale,Definition,Data source,Indicator source,Definition of numerator,Source of numerator,Definition of denominator,Source of denominator,Methodology,Standard population/values,Frequency,Confidence interval details,Disclosure control,Rounding,Caveats,Notes,Impact of COVID-19,Copyright,Data re-use,Links,Indicator Content,Simple Name,Simple Definition,Unit,Value type,Year type,Polarity,Date updated";
    let filler = ",".repeat(25);
    let good = format!(
        "{header}\r\n92304,Smoking in routine and manual occupations{filler},%,Proportion,Financial,RAG - Low is good   ,2026-11-01\r\n\
         92534,Smoking attributable hospital admissions{filler},\"per 100,000\",Directly standardised rate,Financial,BOB - Blue orange blue,2026-11-01\r\n"
    );
    let e = read("indicators.metadata.csv", &good);
    assert!(e.report.is_valid(), "{:#?}", e.report.errors);
    assert_eq!(e.report.format, Some(Format::FingertipsMetadata));
    assert_eq!((e.report.rows, e.report.indicators), (2, 2));
    let others = hwb_outcomes::metadata::from_frame(&e.frame.unwrap()).unwrap();
    assert_eq!(
        others[0].polarity,
        hwb_outcomes::domain::Polarity::Low,
        "padding trimmed"
    );
    assert_eq!(
        (others[1].unit.as_str(), others[1].multiplier),
        ("per 100,000", 100_000.0)
    );
    assert_eq!(others[1].value_type, hwb_outcomes::domain::ValueType::Dsr);

    let bad = good.replace("RAG - Low is good   ", "Sideways is good");
    let e = read("indicators.metadata.csv", &bad);
    let err = only_error(&e.report);
    assert_eq!(
        (err.row, err.column.as_deref(), err.value.as_deref()),
        (Some(2), Some("Polarity"), Some("Sideways is good"))
    );
}
