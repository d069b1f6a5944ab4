//! The original look of an xlsx cell (font, fill, borders, alignment,
//! number format), read with calamine and re-created as a rust_xlsxwriter
//! format, so that an annotated copy looks like the form that was sent in.

use calamine::{
    BorderStyle, Color as CColor, FillPattern, FontStyle, FontWeight, HorizontalAlignment, Style,
    UnderlineStyle, VerticalAlignment,
};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatUnderline};

fn rgb(c: &CColor) -> Color {
    Color::RGB(((c.red as u32) << 16) | ((c.green as u32) << 8) | c.blue as u32)
}

fn border(s: BorderStyle) -> Option<FormatBorder> {
    Some(match s {
        BorderStyle::None => return None,
        BorderStyle::Thin => FormatBorder::Thin,
        BorderStyle::Medium => FormatBorder::Medium,
        BorderStyle::Thick => FormatBorder::Thick,
        BorderStyle::Double => FormatBorder::Double,
        BorderStyle::Hair => FormatBorder::Hair,
        BorderStyle::Dashed => FormatBorder::Dashed,
        BorderStyle::Dotted => FormatBorder::Dotted,
        BorderStyle::MediumDashed => FormatBorder::MediumDashed,
        BorderStyle::DashDot => FormatBorder::DashDot,
        BorderStyle::MediumDashDot => FormatBorder::MediumDashDot,
        BorderStyle::DashDotDot => FormatBorder::DashDotDot,
        BorderStyle::MediumDashDotDot => FormatBorder::MediumDashDotDot,
        BorderStyle::SlantDashDot => FormatBorder::SlantDashDot,
        _ => FormatBorder::Thin,
    })
}

/// The format that re-creates a cell's style; `fill` overrides its fill
/// (the red or yellow of a flagged cell).
pub fn format_of(style: Option<&Style>, fill: Option<&str>) -> Format {
    let mut f = Format::new();
    if let Some(s) = style {
        if let Some(font) = &s.font {
            if let Some(n) = &font.name {
                f = f.set_font_name(n.as_str());
            }
            if let Some(size) = font.size {
                f = f.set_font_size(size);
            }
            if font.weight == FontWeight::Bold {
                f = f.set_bold();
            }
            if font.style == FontStyle::Italic {
                f = f.set_italic();
            }
            if font.underline != UnderlineStyle::None {
                f = f.set_underline(FormatUnderline::Single);
            }
            if font.strikethrough {
                f = f.set_font_strikethrough();
            }
            if let Some(c) = &font.color {
                f = f.set_font_color(rgb(c));
            }
        }
        if let Some(fl) = &s.fill {
            if fl.pattern == FillPattern::Solid {
                if let Some(c) = fl
                    .foreground_color
                    .as_ref()
                    .or(fl.background_color.as_ref())
                {
                    f = f.set_background_color(rgb(c));
                }
            }
        }
        if let Some(b) = &s.borders {
            for (side, which) in [(&b.left, 0), (&b.right, 1), (&b.top, 2), (&b.bottom, 3)] {
                let Some(kind) = border(side.style) else {
                    continue;
                };
                f = match which {
                    0 => f.set_border_left(kind),
                    1 => f.set_border_right(kind),
                    2 => f.set_border_top(kind),
                    _ => f.set_border_bottom(kind),
                };
                if let Some(c) = &side.color {
                    f = match which {
                        0 => f.set_border_left_color(rgb(c)),
                        1 => f.set_border_right_color(rgb(c)),
                        2 => f.set_border_top_color(rgb(c)),
                        _ => f.set_border_bottom_color(rgb(c)),
                    };
                }
            }
        }
        if let Some(a) = &s.alignment {
            let h = match a.horizontal {
                HorizontalAlignment::Left => Some(FormatAlign::Left),
                HorizontalAlignment::Center => Some(FormatAlign::Center),
                HorizontalAlignment::Right => Some(FormatAlign::Right),
                HorizontalAlignment::Justify => Some(FormatAlign::Justify),
                HorizontalAlignment::Distributed => Some(FormatAlign::Distributed),
                HorizontalAlignment::Fill => Some(FormatAlign::Fill),
                HorizontalAlignment::CenterContinuous => Some(FormatAlign::CenterAcross),
                _ => None,
            };
            if let Some(h) = h {
                f = f.set_align(h);
            }
            let v = match a.vertical {
                VerticalAlignment::Top => Some(FormatAlign::Top),
                VerticalAlignment::Center => Some(FormatAlign::VerticalCenter),
                VerticalAlignment::Justify => Some(FormatAlign::VerticalJustify),
                VerticalAlignment::Distributed => Some(FormatAlign::VerticalDistributed),
                _ => None,
            };
            if let Some(v) = v {
                f = f.set_align(v);
            }
            if a.wrap_text {
                f = f.set_text_wrap();
            }
            if let Some(i) = a.indent.filter(|i| *i > 0) {
                f = f.set_indent(i);
            }
            if a.shrink_to_fit {
                f = f.set_shrink();
            }
        }
        if let Some(n) = &s.number_format {
            if !n.format_code.is_empty() && !n.format_code.eq_ignore_ascii_case("General") {
                f = f.set_num_format(n.format_code.as_str());
            }
        }
    }
    if let Some(c) = fill {
        f = f.set_background_color(c);
    }
    f
}

/// How wide a text is in Excel's column units (a CJK character is two).
pub fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.0 })
        .sum()
}

/// The row height (points) that shows all of a wrapped text in a column
/// `width` units wide: Excel and WPS keep a written row's height, so a
/// long message in a one-line row shows only its last line.
pub fn wrapped_height(text: &str, width: f64) -> f64 {
    let per_line = (width - 1.0).max(4.0);
    let lines: f64 = text
        .split('\n')
        .map(|l| (text_width(l) / per_line).ceil().max(1.0))
        .sum();
    // 13.5 pt a line of the 10–11 pt text the sheets use, and a little air.
    (lines * 13.5 + 3.0).clamp(15.0, 409.0)
}
