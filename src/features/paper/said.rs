//! What the paper desk says after each change, in both languages, carried across the
//! redirect to the page it returns to.

use crate::features::paper::service::Batch;
use crate::ui::notice::Notice;

pub fn batch_created(b: &Batch) -> Notice {
    let (label, n) = (&b.label, b.expected);
    Notice::saved((
        format!("Đã tạo lô “{label}”: {n} phiếu. Có thể bắt đầu nhập."),
        format!("Batch “{label}” created: {n} forms. Keying can start."),
    ))
}

pub fn settled(serial: &str) -> Notice {
    Notice::saved((
        format!("Đã đối chiếu phiếu {serial}: phiếu được tính vào kết quả với các giá trị đã chọn, và ghi vào nhật ký."),
        format!("Form {serial} settled: it counts with the values chosen, and the audit log holds them."),
    ))
}

pub fn corrected(serial: &str) -> Notice {
    Notice::saved((
        format!("Đã sửa phiếu {serial}: kết quả đã được cập nhật, giá trị cũ và mới được ghi vào nhật ký."),
        format!("Form {serial} corrected: the results are updated, the old and new values are in the audit log."),
    ))
}

pub fn keying_deleted(round: i32, serial: &str) -> Notice {
    Notice::saved((
        format!("Đã xoá lần nhập {round} của phiếu {serial}; giá trị cũ được ghi vào nhật ký."),
        format!("Keying {round} of form {serial} deleted; its values are in the audit log."),
    ))
}
