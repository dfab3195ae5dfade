"""What goes into a network: decoding untrusted uploads (images, DICOM, dataset zips), the
network's input contract and the one preprocessing path. NumPy and Pillow only: the web
process imports these to validate uploads, so nothing here imports TensorFlow."""
