"""Reports of readiness: status documents, the city report (html/csv/json/xlsx), the
handover evidence pack (berita acara serah terima)."""
