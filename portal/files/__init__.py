"""Reading user files safely: the limits every parser of uploaded or harvested files obeys
(limits.py), limited readers for delimited text, XLSX workbooks and JSON (delimited.py,
xlsx.py, jsondoc.py), the resource preview built from them (preview.py) and the content
sniffing that refuses executables or HTML uploaded under a data format (sniff.py).

Nothing here touches the database: callers (the preview job, the spreadsheet harvester, the
upload action) hand over bytes and get rows, a preview dict or a refusal.
"""
