"""Synthetic instances of the IODs whose Type 1 attributes E.1-1 touches, each with every such
attribute present and valid, so that an output which empties or removes one shows a dciodvfy error
its input did not have: SR (Basic Text, Enhanced, Comprehensive, with every content item value
type and observer context), Key Object Selection, Enhanced MR and Enhanced CT (functional groups,
Frame Acquisition DateTime per frame), a multi-frame secondary capture, an Encapsulated PDF and a
Grayscale Softcopy Presentation State, an RT Structure Set. Used by test_iod_conformance.py; run alone it writes them:
    python3 tests/python/iod_samples.py OUT_DIR
"""
import os
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

import pdf_samples

ROOT_UID = "1.2.826.0.1.3680043.9.7433.94."
NAME, PID = "Kowalczyk^Zofia", "MRN-88123456"

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
ENHANCED_SR = "1.2.840.10008.5.1.4.1.1.88.22"
COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33"
KEY_OBJECT = "1.2.840.10008.5.1.4.1.1.88.59"
ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"
MF_GRAY_SC = "1.2.840.10008.5.1.4.1.1.7.3"
PDF = "1.2.840.10008.5.1.4.1.1.104.1"
STL = "1.2.840.10008.5.1.4.1.1.104.3"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"


def code(value, scheme, meaning):
    c = Dataset()
    c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, scheme, meaning
    return c


def codes(*triples):
    return Sequence([code(*t) for t in triples])


def common(ds, sop_class, n, modality):
    """Patient, General Study, Series, Equipment and SOP Common, every value identifying."""
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, ROOT_UID + f"{n}.1"
    ds.InstanceCreationDate, ds.InstanceCreationTime = "20230302", "093000"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = ROOT_UID + "1", ROOT_UID + f"{n}.2"
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = NAME, PID, "19470310", "F"
    ds.StudyDate, ds.StudyTime, ds.AccessionNumber, ds.StudyID = "20230301", "101500", "ACC-4471", "S-77"
    ds.ReferringPhysicianName = "Adeyemi^Tunde"
    ds.Modality = modality
    ds.Manufacturer, ds.InstitutionName = "ACME", "St Hedwig Clinic"
    ds.SeriesNumber, ds.InstanceNumber = "1", "1"
    ds.SeriesDate, ds.SeriesTime = "20230301", "101600"


def seq(**values):
    """A sequence of one item holding values."""
    item = Dataset()
    for k, v in values.items():
        setattr(item, k, v)
    return Sequence([item])


def save(ds, path):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.save_as(str(path), enforce_file_format=True)
    return str(path)


# --- structured reports ----------------------------------------------------------------------

def item(rel, vt, concept, **values):
    i = Dataset()
    i.RelationshipType, i.ValueType = rel, vt
    i.ConceptNameCodeSequence = codes(concept)
    for k, v in values.items():
        setattr(i, k, v)
    return i


def image_ref(n):
    r = Dataset()
    r.ReferencedSOPClassUID, r.ReferencedSOPInstanceUID = CT_IMAGE, ROOT_UID + f"{n}.9"
    return r


def evidence(n):
    series = Dataset()
    series.SeriesInstanceUID = ROOT_UID + "99"
    series.ReferencedSOPSequence = Sequence([image_ref(n)])
    study = Dataset()
    study.StudyInstanceUID, study.ReferencedSeriesSequence = ROOT_UID + "1", Sequence([series])
    return Sequence([study])


def sr_document_general(ds, n):
    """SR Document Series and General modules with their Type 1 dates, times and people."""
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    ds.ContentDate, ds.ContentTime = "20230302", "093000"
    ds.CompletionFlag, ds.VerificationFlag = "COMPLETE", "VERIFIED"
    observer = Dataset()
    observer.VerifyingObserverName = "Adeyemi^Tunde"
    observer.VerifyingObserverIdentificationCodeSequence = Sequence()
    observer.VerifyingOrganization = "St Hedwig Clinic Radiology"
    observer.VerificationDateTime = "20230302094500"
    ds.VerifyingObserverSequence = Sequence([observer])
    author = Dataset()
    author.ObserverType = "PSN"
    author.PersonName = "Adeyemi^Tunde"
    author.PersonIdentificationCodeSequence = codes(("T-99", "99LOCAL", "Tunde Adeyemi"))
    author.InstitutionName = "St Hedwig Clinic"
    author.InstitutionCodeSequence = codes(("SHC", "99LOCAL", "St Hedwig Clinic"))
    ds.AuthorObserverSequence = Sequence([author])
    participant = Dataset()
    participant.ParticipationType = "ENT"
    participant.ParticipationDateTime = "20230302093000"
    participant.ObserverType = "PSN"
    participant.PersonName = "Kahale^Noelani"
    participant.PersonIdentificationCodeSequence = codes(("N-12", "99LOCAL", "Noelani Kahale"))
    participant.InstitutionName = "St Hedwig Clinic"
    participant.InstitutionCodeSequence = codes(("SHC", "99LOCAL", "St Hedwig Clinic"))
    ds.ParticipantSequence = Sequence([participant])
    ds.PerformedProcedureCodeSequence = Sequence()
    ds.CurrentRequestedProcedureEvidenceSequence = evidence(n)


def content_tree(ds, n, all_types):
    """Root container; with all_types, one item of every value type Comprehensive SR allows."""
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    ds.ConceptNameCodeSequence = codes(("18748-4", "LN", "Diagnostic Imaging Report"))
    ds.ContentTemplateSequence = Sequence([Dataset()])
    ds.ContentTemplateSequence[0].MappingResource, ds.ContentTemplateSequence[0].TemplateIdentifier = "DCMR", "2000"
    items = [
        item("HAS OBS CONTEXT", "PNAME", ("121008", "DCM", "Person Observer Name"), PersonName="Adeyemi^Tunde"),
        item("CONTAINS", "TEXT", ("121071", "DCM", "Finding"), TextValue="Nodule seen; told Zofia Kowalczyk on 2023-03-01"),
    ]
    if all_types:
        num = Dataset()
        num.NumericValue, num.MeasurementUnitsCodeSequence = "12", codes(("mm", "UCUM", "millimeter"))
        img = item("CONTAINS", "IMAGE", ("121112", "DCM", "Source of Measurement"), ReferencedSOPSequence=Sequence([image_ref(n)]))
        items += [
            item("CONTAINS", "DATE", ("111060", "DCM", "Study Date"), Date="20230301"),
            item("CONTAINS", "TIME", ("111061", "DCM", "Study Time"), Time="101500"),
            item("CONTAINS", "DATETIME", ("111526", "DCM", "DateTime Started"), DateTime="20230301101500"),
            item("CONTAINS", "UIDREF", ("121018", "DCM", "Procedure Study Instance UID"), UID=ROOT_UID + "1"),
            item("CONTAINS", "CODE", ("121071", "DCM", "Finding"), ConceptCodeSequence=codes(("RID3875", "RADLEX", "Nodule"))),
            item("CONTAINS", "NUM", ("410668003", "SCT", "Length"), MeasuredValueSequence=Sequence([num])),
            img,
            # The whole value names the patient: Clean Structured Content leaves nothing of it.
            item("CONTAINS", "TEXT", ("121106", "DCM", "Comment"), TextValue="Zofia Kowalczyk"),
        ]
    ds.ContentSequence = Sequence(items)


def sr(n, sop_class, all_types):
    ds = Dataset()
    common(ds, sop_class, n, "SR")
    sr_document_general(ds, n)
    content_tree(ds, n, all_types)
    return ds


def sr_malformed_dates(n):
    """Dates and times no parser reads (a PACS wrote '.' separators): a date option cannot shift
    them and must not drop or empty them where they are Type 1."""
    ds = sr(n, COMPREHENSIVE_SR, True)
    ds.StudyDate, ds.ContentDate, ds.ContentTime = "2023.03.01", "2023.03.02", "09:30:00"
    ds.VerifyingObserverSequence[0].VerificationDateTime = "2023.03.02 09:45"
    ds.ContentSequence[2].Date = "2023.03.01"
    ds.ContentSequence[4].DateTime = "2023.03.01 10:15"
    return ds


def rt_structure_set(n):
    """Structure Set Label (Type 1, E.1-1 D), ROI names (Type 2, Z), ROI Interpreter (Type 2, Z)
    and Structure Set Date/Time (Type 2, Z): every one names someone here."""
    ds = Dataset()
    common(ds, RT_STRUCT, n, "RTSTRUCT")
    del ds.InstitutionName
    ds.OperatorsName = "Kahale^Noelani"
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = ROOT_UID + f"{n}.3", ""
    ds.StructureSetLabel, ds.StructureSetName = "Kowalczyk plan", "Zofia Kowalczyk"
    ds.StructureSetDate, ds.StructureSetTime = "20230302", "093000"
    frame = Dataset()
    frame.FrameOfReferenceUID = ROOT_UID + f"{n}.3"
    ds.ReferencedFrameOfReferenceSequence = Sequence([frame])
    roi = Dataset()
    roi.ROINumber, roi.ReferencedFrameOfReferenceUID = 1, frame.FrameOfReferenceUID
    roi.ROIName, roi.ROIGenerationAlgorithm = "Kowalczyk GTV", "MANUAL"
    ds.StructureSetROISequence = Sequence([roi])
    contour = Dataset()
    contour.ContourGeometricType, contour.NumberOfContourPoints = "POINT", 1
    contour.ContourData = [0, 0, 0]
    roi_contour = Dataset()
    roi_contour.ReferencedROINumber, roi_contour.ROIDisplayColor = 1, [255, 0, 0]
    roi_contour.ContourSequence = Sequence([contour])
    ds.ROIContourSequence = Sequence([roi_contour])
    obs = Dataset()
    obs.ObservationNumber, obs.ReferencedROINumber = 1, 1
    obs.RTROIInterpretedType, obs.ROIInterpreter = "GTV", "Adeyemi^Tunde"
    ds.RTROIObservationsSequence = Sequence([obs])
    ds.ApprovalStatus, ds.ReviewDate, ds.ReviewTime, ds.ReviewerName = "APPROVED", "20230303", "120000", "Adeyemi^Tunde"
    return ds


def key_object(n):
    ds = Dataset()
    common(ds, KEY_OBJECT, n, "KO")
    del ds.InstitutionName
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    ds.ContentDate, ds.ContentTime = "20230302", "093000"
    ds.CurrentRequestedProcedureEvidenceSequence = evidence(n)
    ds.ValueType, ds.ContinuityOfContent = "CONTAINER", "SEPARATE"
    ds.ConceptNameCodeSequence = codes(("113000", "DCM", "Of Interest"))
    ds.ContentTemplateSequence = Sequence([Dataset()])
    ds.ContentTemplateSequence[0].MappingResource, ds.ContentTemplateSequence[0].TemplateIdentifier = "DCMR", "2010"
    ds.ContentSequence = Sequence([
        item("CONTAINS", "TEXT", ("113012", "DCM", "Key Object Description"), TextValue="For Dr Adeyemi: Zofia Kowalczyk"),
        item("CONTAINS", "IMAGE", ("113001", "DCM", "Rejected for Quality Reasons"), ReferencedSOPSequence=Sequence([image_ref(n)])),
    ])
    del ds.ContentSequence[1].ConceptNameCodeSequence  # an IMAGE item of KOS has no concept name
    return ds


# --- images ----------------------------------------------------------------------------------

def pixels(ds, frames, rows=4):
    ds.Rows = ds.Columns = rows
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.NumberOfFrames = frames
    ds.PixelData = bytes(rows * rows * 2 * frames)


def equipment_enhanced(ds):
    ds.ManufacturerModelName, ds.DeviceSerialNumber, ds.SoftwareVersions = "Scanner 3000", "SN-4471-KOWALCZYK", "VA11"
    ds.StationName = "HEDWIG-MR1"


def frame_groups(ds, frames, per_frame_extra=None, shared_extra=None):
    """Functional groups with a Frame Content item per frame (Frame Acquisition/Reference DateTime)."""
    dim = Dataset()
    dim.DimensionOrganizationUID = ROOT_UID + "77"
    ds.DimensionOrganizationSequence = Sequence([dim])
    index = Dataset()
    index.DimensionOrganizationUID = dim.DimensionOrganizationUID
    index.DimensionIndexPointer, index.FunctionalGroupPointer = 0x00209057, 0x00209111  # In-Stack Position in Frame Content
    index.DimensionDescriptionLabel = "Stack position"
    ds.DimensionIndexSequence = Sequence([index])
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing, measures.SliceThickness = [1, 1], 1
    shared.PixelMeasuresSequence = Sequence([measures])
    orient = Dataset()
    orient.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared.PlaneOrientationSequence = Sequence([orient])
    anatomy = Dataset()
    anatomy.AnatomicRegionSequence, anatomy.FrameLaterality = codes(("51185008", "SCT", "Chest")), "U"
    shared.FrameAnatomySequence = Sequence([anatomy])
    if shared_extra:
        shared_extra(shared)
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per = []
    for f in range(frames):
        g = Dataset()
        content = Dataset()
        content.FrameAcquisitionNumber = 1
        content.FrameReferenceDateTime = f"2023030110{15 + f:02d}00"
        content.FrameAcquisitionDateTime = f"2023030110{15 + f:02d}00"
        content.FrameAcquisitionDuration = 100
        content.StackID, content.InStackPositionNumber = "1", f + 1
        content.DimensionIndexValues = [f + 1]
        g.FrameContentSequence = Sequence([content])
        pos = Dataset()
        pos.ImagePositionPatient = [0, 0, f]
        g.PlanePositionSequence = Sequence([pos])
        if per_frame_extra:
            per_frame_extra(g, f)
        per.append(g)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)


def enhanced_common(ds, n, sop_class, modality):
    common(ds, sop_class, n, modality)
    equipment_enhanced(ds)
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = ROOT_UID + f"{n}.3", "IC"
    ds.ContentDate, ds.ContentTime = "20230301", "101600"
    ds.AcquisitionNumber = 1
    ds.AcquisitionDateTime, ds.AcquisitionDuration = "20230301101500", 30
    ds.ContentQualification = "PRODUCT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
    ds.BurnedInAnnotation, ds.LossyImageCompression = "NO", "00"
    ds.PresentationLUTShape = "IDENTITY"
    ds.PerformedProcedureStepStartDate, ds.PerformedProcedureStepStartTime = "20230301", "101500"
    ds.PerformedProcedureStepID = "PPS-5531"
    ds.PerformedProcedureStepDescription = "Chest for Zofia Kowalczyk"
    ds.PatientPosition = "HFS"
    ds.PixelPresentation, ds.VolumetricProperties, ds.VolumeBasedCalculationTechnique = "MONOCHROME", "VOLUME", "NONE"
    ds.AcquisitionContextSequence = Sequence()


def ct_image(n):
    """A CT image with what real ones carry beside the IOD: a Request Attributes item (Type 1C
    Requested Procedure ID there, Type 2 in an SR's Referenced Request), a human patient's
    Responsible Person (Type 2C only for an animal), a performed procedure step reference."""
    ds = Dataset()
    common(ds, CT_IMAGE, n, "CT")
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = ROOT_UID + f"{n}.3", ""
    ds.ContentDate, ds.ContentTime, ds.AcquisitionDate, ds.AcquisitionTime = "20230301", "101600", "20230301", "101500"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImagePositionPatient, ds.ImageOrientationPatient, ds.PixelSpacing = [0, 0, 0], [1, 0, 0, 0, 1, 0], [1, 1]
    ds.SliceThickness, ds.KVP, ds.AcquisitionNumber = "1", "120", "1"
    ds.RescaleIntercept, ds.RescaleSlope = "0", "1"
    ds.Laterality, ds.PatientPosition = "", "HFS"
    ds.ResponsiblePerson, ds.ResponsiblePersonRole = "Kowalczyk^Jan", "PARENT"
    request = Dataset()
    request.RequestedProcedureID, request.ScheduledProcedureStepID = "RP-5531", "SPS-5531"
    request.RequestedProcedureDescription = "CT chest Zofia Kowalczyk"
    request.ScheduledProcedureStepDescription = "CT chest"
    request.StudyInstanceUID, request.AccessionNumber = ROOT_UID + "1", "ACC-4471"
    ds.RequestAttributesSequence = Sequence([request])
    pps = Dataset()
    pps.ReferencedSOPClassUID, pps.ReferencedSOPInstanceUID = "1.2.840.10008.3.1.2.3.3", ROOT_UID + f"{n}.6"
    ds.ReferencedPerformedProcedureStepSequence = Sequence([pps])
    pixels(ds, 1)
    del ds.NumberOfFrames
    return ds


def enhanced_mr(n):
    ds = Dataset()
    enhanced_common(ds, n, ENHANCED_MR, "MR")
    ds.PulseSequenceName, ds.MRAcquisitionType, ds.EchoPulseSequence = "tfl3d", "3D", "GRADIENT"
    ds.MultiPlanarExcitation, ds.PhaseContrast = "NO", "NO"
    ds.TimeOfFlightContrast, ds.SteadyStatePulseSequence = "NO", "NONE"
    ds.ComplexImageComponent, ds.AcquisitionContrast = "MAGNITUDE", "T1"
    ds.EchoPlanarPulseSequence, ds.SaturationRecovery, ds.SpectrallySelectedSuppression = "NO", "NO", "NONE"
    ds.OversamplingPhase, ds.GeometryOfKSpaceTraversal, ds.SegmentedKSpaceTraversal = "NONE", "RECTILINEAR", "SINGLE"
    ds.RectilinearPhaseEncodeReordering, ds.NumberOfKSpaceTrajectories, ds.CoverageOfKSpace = "LINEAR", 1, "FULL"
    ds.ResonantNucleus, ds.KSpaceFiltering, ds.MagneticFieldStrength = "1H", "NONE", 3
    ds.ApplicableSafetyStandardAgency, ds.ImageComments = "IEC", "Patient Zofia Kowalczyk"
    pixels(ds, 2)

    def shared(g):
        timing = Dataset()
        timing.RepetitionTime, timing.FlipAngle, timing.EchoTrainLength = 5, 9, 1
        timing.RFEchoTrainLength, timing.GradientEchoTrainLength = 0, 1
        g.MRTimingAndRelatedParametersSequence = Sequence([timing])
        fov = Dataset()
        fov.PercentSampling, fov.PercentPhaseFieldOfView = 100, 100
        fov.InPlanePhaseEncodingDirection = "ROW"
        fov.MRAcquisitionFrequencyEncodingSteps, fov.MRAcquisitionPhaseEncodingStepsInPlane = 4, 4
        g.MRFOVGeometrySequence = Sequence([fov])
        g.MREchoSequence = seq(EffectiveEchoTime=2)
        mod = Dataset()
        mod.ParallelAcquisition = "NO"
        mod.PartialFourier, mod.InversionRecovery, mod.FlowCompensation = "NO", "NO", "NONE"
        mod.T2Preparation, mod.SpectrallySelectedExcitation, mod.SpatialPresaturation = "NO", "NONE", "NONE"
        g.MRModifierSequence = Sequence([mod])
        imod = Dataset()
        imod.MagnetizationTransfer, imod.BloodSignalNulling, imod.Tagging = "NONE", "NO", "NONE"
        imod.TransmitterFrequency, imod.PixelBandwidth = 123.2, 400
        g.MRImagingModifierSequence = Sequence([imod])
        coil = Dataset()
        coil.ReceiveCoilName, coil.ReceiveCoilManufacturerName, coil.ReceiveCoilType = "Head Kowalczyk", "ACME", "VOLUME"
        coil.QuadratureReceiveCoil = "NO"
        g.MRReceiveCoilSequence = Sequence([coil])
        tx = Dataset()
        tx.TransmitCoilName, tx.TransmitCoilManufacturerName, tx.TransmitCoilType = "Body", "ACME", "BODY"
        g.MRTransmitCoilSequence = Sequence([tx])
        g.MRAveragesSequence = seq(NumberOfAverages=1)
        img = Dataset()
        img.FrameType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
        img.PixelPresentation, img.VolumetricProperties, img.VolumeBasedCalculationTechnique = "MONOCHROME", "VOLUME", "NONE"
        img.ComplexImageComponent, img.AcquisitionContrast = "MAGNITUDE", "T1"
        g.MRImageFrameTypeSequence = Sequence([img])
        g.PixelValueTransformationSequence = seq(RescaleIntercept=0, RescaleSlope=1, RescaleType="US")

    frame_groups(ds, 2, shared_extra=shared)
    return ds


def enhanced_ct(n):
    ds = Dataset()
    enhanced_common(ds, n, ENHANCED_CT, "CT")
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    pixels(ds, 2)

    def shared(g):
        ft = Dataset()
        ft.FrameType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
        ft.PixelPresentation, ft.VolumetricProperties, ft.VolumeBasedCalculationTechnique = "MONOCHROME", "VOLUME", "NONE"
        g.CTImageFrameTypeSequence = Sequence([ft])
        acq = Dataset()
        acq.AcquisitionType, acq.ConstantVolumeFlag, acq.FluoroscopyFlag = "SPIRAL", "NO", "NO"
        g.CTAcquisitionTypeSequence = Sequence([acq])
        det = Dataset()
        det.DataCollectionDiameter, det.SingleCollimationWidth, det.TotalCollimationWidth = 500, 0.6, 38.4
        det.TableHeight, det.GantryDetectorTilt, det.RotationDirection, det.RevolutionTime = 150, 0, "CW", 0.5
        g.CTAcquisitionDetailsSequence = Sequence([det])
        table = Dataset()
        table.TableSpeed, table.TableFeedPerRotation, table.SpiralPitchFactor = 10, 10, 1
        g.CTTableDynamicsSequence = Sequence([table])
        pos = Dataset()
        pos.TablePosition, pos.ReconstructionTargetCenterPatient = 0, [0, 0, 0]
        pos.DataCollectionCenterPatient = [0, 0, 0]
        g.CTPositionSequence = Sequence([pos])
        geo = Dataset()
        geo.DistanceSourceToDetector, geo.DistanceSourceToDataCollectionCenter = 1000, 500
        g.CTGeometrySequence = Sequence([geo])
        rec = Dataset()
        rec.ReconstructionAlgorithm, rec.ConvolutionKernel = "FILTER_BACK_PROJ", "B30f"
        rec.ConvolutionKernelGroup, rec.ReconstructionDiameter = "SOFT_TISSUE", 350
        rec.ReconstructionAngle, rec.ReconstructionPixelSpacing = 360, [1, 1]
        rec.ImageFilter = "NONE"
        g.CTReconstructionSequence = Sequence([rec])
        exp = Dataset()
        exp.ExposureTimeInms, exp.XRayTubeCurrentInmA, exp.ExposureInmAs = 500.0, 200.0, 100.0
        exp.ExposureModulationType, exp.CTDIvol = "NONE", 10.0
        g.CTExposureSequence = Sequence([exp])
        xr = Dataset()
        xr.KVP, xr.FocalSpots, xr.FilterType, xr.FilterMaterial = 120, [1], "FLAT", ["ALUMINUM"]
        g.CTXRayDetailsSequence = Sequence([xr])
        g.PixelValueTransformationSequence = seq(RescaleIntercept=-1024, RescaleSlope=1, RescaleType="HU")
        g.IrradiationEventIdentificationSequence = seq(IrradiationEventUID=ROOT_UID + f"{n}.5")

    frame_groups(ds, 2, shared_extra=shared)
    return ds


def multiframe_sc(n):
    ds = Dataset()
    common(ds, MF_GRAY_SC, n, "OT")
    ds.ConversionType = "WSD"
    ds.ContentDate, ds.ContentTime = "20230301", "101600"
    ds.DateOfSecondaryCapture, ds.TimeOfSecondaryCapture = "20230302", "080000"
    ds.BurnedInAnnotation, ds.PresentationLUTShape = "NO", "IDENTITY"
    ds.Laterality, ds.PatientOrientation = "", ""
    pixels(ds, 2)
    ds.BitsStored, ds.HighBit = 12, 11
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "US"
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = 40
    return ds


def encapsulated_pdf(n):
    ds = Dataset()
    common(ds, PDF, n, "DOC")
    ds.ConversionType = "SD"
    ds.ContentDate, ds.ContentTime = "20230302", "093000"
    ds.AcquisitionDateTime = "20230302093000"
    ds.BurnedInAnnotation = "YES"
    ds.DocumentTitle = "Report for Zofia Kowalczyk"
    ds.ConceptNameCodeSequence = codes(("18748-4", "LN", "Diagnostic Imaging Report"))
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    pdf = pdf_samples.page_pdf(pdf_samples.KEPT_TEXT)
    if len(pdf) % 2:
        pdf += b"\n"
    ds.EncapsulatedDocument = pdf
    ds.EncapsulatedDocumentLength = len(pdf)
    return ds


def encapsulated_stl(n):
    """A binary STL of two triangles whose header names the patient, as segmentation tools write it."""
    import struct
    ds = Dataset()
    common(ds, STL, n, "M3D")
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = ROOT_UID + f"{n}.3", ""
    ds.ManufacturerModelName, ds.DeviceSerialNumber, ds.SoftwareVersions = "Segmenter", "SN-0042", "2.1"
    ds.ContentDate, ds.ContentTime = "20230302", "093000"
    ds.AcquisitionDateTime = "20230302093000"
    ds.BurnedInAnnotation = "NO"
    ds.DocumentTitle = "Liver model"
    ds.ConceptNameCodeSequence = codes(("10F", "FMA", "Liver"))
    ds.MIMETypeOfEncapsulatedDocument = "model/stl"
    ds.MeasurementUnitsCodeSequence = codes(("mm", "UCUM", "mm"))
    header = f"solid {NAME.replace('^', ' ')} {PID} liver".encode().ljust(80, b" ")
    triangles = b"".join(struct.pack("<12fH", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, t + 1, 0, 0x7C1F) for t in range(2))
    stl = header + struct.pack("<I", 2) + triangles
    ds.EncapsulatedDocument = stl
    ds.EncapsulatedDocumentLength = len(stl)
    return ds


def presentation_state(n):
    ds = Dataset()
    common(ds, GSPS, n, "PR")
    ds.Laterality = ""
    del ds.InstitutionName
    ds.ContentLabel, ds.ContentDescription = "ZOFIA", "Annotations for Zofia Kowalczyk"
    ds.ContentCreatorName = "Adeyemi^Tunde"
    ds.PresentationCreationDate, ds.PresentationCreationTime = "20230302", "093000"
    ds.PresentationLUTShape = "IDENTITY"
    series = Dataset()
    series.SeriesInstanceUID = ROOT_UID + "99"
    series.ReferencedImageSequence = Sequence([image_ref(n)])
    ds.ReferencedSeriesSequence = Sequence([series])
    area = Dataset()
    area.ReferencedImageSequence = Sequence([image_ref(n)])
    area.DisplayedAreaTopLeftHandCorner, area.DisplayedAreaBottomRightHandCorner = [1, 1], [4, 4]
    area.PresentationSizeMode, area.PresentationPixelSpacing = "SCALE TO FIT", [1, 1]
    ds.DisplayedAreaSelectionSequence = Sequence([area])
    layer = Dataset()
    layer.GraphicLayer, layer.GraphicLayerOrder, layer.GraphicLayerDescription = "LAYER1", 1, "Zofia"
    ds.GraphicLayerSequence = Sequence([layer])
    text = Dataset()
    text.UnformattedTextValue = "Kowalczyk"
    text.AnchorPointAnnotationUnits, text.AnchorPoint, text.AnchorPointVisibility = "PIXEL", [2, 2], "Y"
    ann = Dataset()
    ann.GraphicLayer, ann.TextObjectSequence = "LAYER1", Sequence([text])
    ann.ReferencedImageSequence = Sequence([image_ref(n)])
    ds.GraphicAnnotationSequence = Sequence([ann])
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "US"
    return ds


SAMPLES = {
    "basic_text_sr": lambda n: sr(n, BASIC_TEXT_SR, False),
    "enhanced_sr": lambda n: sr(n, ENHANCED_SR, False),
    "comprehensive_sr": lambda n: sr(n, COMPREHENSIVE_SR, True),
    "sr_malformed_dates": sr_malformed_dates,
    "key_object": key_object,
    "rt_structure_set": rt_structure_set,
    "ct_image": ct_image,
    "enhanced_mr": enhanced_mr,
    "enhanced_ct": enhanced_ct,
    "multiframe_sc": multiframe_sc,
    "encapsulated_pdf": encapsulated_pdf,
    "encapsulated_stl": encapsulated_stl,
    "presentation_state": presentation_state,
}


def write_all(folder):
    """{name: path} of every sample written into folder."""
    os.makedirs(folder, exist_ok=True)
    return {name: save(make(i + 10), os.path.join(folder, f"{name}.dcm")) for i, (name, make) in enumerate(SAMPLES.items())}


if __name__ == "__main__":
    for name, path in write_all(sys.argv[1]).items():
        print(name, path)
